#!/usr/bin/env python3
"""Reference values for HumorGym's transformer, computed by PyTorch (float64).

Builds the same pre-LayerNorm decoder as Sources/Policies/Transformer/TransformerModel.swift (GPT-2 names,
matrices stored [in, out], output head tied to the token embedding, GELU with the tanh approximation), sets
every parameter from a fixed formula, and writes to Tests/HumorGymTests/Resources/transformer-reference.json:
the configuration, tokens, next-token targets (-1: not scored), per-row upstream weights, the flat
parameters in HumorGym's storage order, the logits, the loss L = sum_r g_r log p(target_r), and dL/dparameter.

Run: python3 scripts/transformer_reference.py   (needs torch; the tests read the JSON and need no PyTorch)
"""
import json
import math
import os

import torch

CONFIG = {"vocabularySize": 13, "contextLength": 8, "width": 8, "layers": 2, "heads": 2, "mlpRatio": 4, "layerNormEpsilon": 1e-5}
BATCH, LENGTH = 2, 6
TOKENS = [[1, 4, 2, 9, 3, 12], [5, 5, 0, 10, 7, 11]]
TARGETS = [[4, 2, 9, 3, 12, -1], [-1, 0, 10, 7, 11, -1]]
UPSTREAM = [[0.5, -1.0, 0.25, 2.0, 1.5, 0.0], [0.0, 1.0, -0.75, 0.5, 1.25, 0.0]]


def layout(c):
    d, h, V, T = c["width"], c["width"] * c["mlpRatio"], c["vocabularySize"], c["contextLength"]
    names = [("wte.weight", [V, d]), ("wpe.weight", [T, d])]
    for i in range(c["layers"]):
        p = f"h.{i}."
        names += [(p + "ln_1.weight", [d]), (p + "ln_1.bias", [d]),
                  (p + "attn.c_attn.weight", [d, 3 * d]), (p + "attn.c_attn.bias", [3 * d]),
                  (p + "attn.c_proj.weight", [d, d]), (p + "attn.c_proj.bias", [d]),
                  (p + "ln_2.weight", [d]), (p + "ln_2.bias", [d]),
                  (p + "mlp.c_fc.weight", [d, h]), (p + "mlp.c_fc.bias", [h]),
                  (p + "mlp.c_proj.weight", [h, d]), (p + "mlp.c_proj.bias", [d])]
    names += [("ln_f.weight", [d]), ("ln_f.bias", [d])]
    return names


def forward(params, tokens, c):
    """Logits [batch, length, vocabulary] of HumorGym's transformer for `tokens` [batch, length]."""
    batch, length = tokens.shape
    d, H = c["width"], c["heads"]
    hd = d // H
    x = params["wte.weight"][tokens] + params["wpe.weight"][:length]
    mask = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
    for i in range(c["layers"]):
        p = lambda s: params[f"h.{i}.{s}"]
        h = torch.nn.functional.layer_norm(x, (d,), p("ln_1.weight"), p("ln_1.bias"), eps=c["layerNormEpsilon"])
        qkv = h @ p("attn.c_attn.weight") + p("attn.c_attn.bias")
        q, k, v = qkv.split(d, dim=-1)
        q, k, v = (t.reshape(batch, length, H, hd).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        attention = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
        y = (attention @ v).transpose(1, 2).reshape(batch, length, d)
        x = x + y @ p("attn.c_proj.weight") + p("attn.c_proj.bias")
        h = torch.nn.functional.layer_norm(x, (d,), p("ln_2.weight"), p("ln_2.bias"), eps=c["layerNormEpsilon"])
        hidden = torch.nn.functional.gelu(h @ p("mlp.c_fc.weight") + p("mlp.c_fc.bias"), approximate="tanh")
        x = x + hidden @ p("mlp.c_proj.weight") + p("mlp.c_proj.bias")
    x = torch.nn.functional.layer_norm(x, (d,), params["ln_f.weight"], params["ln_f.bias"], eps=c["layerNormEpsilon"])
    return x @ params["wte.weight"].T


def main():
    torch.set_default_dtype(torch.float64)
    c = CONFIG
    names = layout(c)
    params, offset = {}, 0
    for name, shape in names:
        n = math.prod(shape)
        values = [0.3 * math.sin(0.731 * (offset + k) + 0.3) for k in range(n)]
        if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name == "ln_f.weight":
            values = [1 + v for v in values]
        params[name] = torch.tensor(values).reshape(shape).requires_grad_(True)
        offset += n

    logits = forward(params, torch.tensor(TOKENS), c)
    logp = torch.log_softmax(logits, dim=-1)
    targets = torch.tensor(TARGETS)
    chosen = logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    loss = (torch.tensor(UPSTREAM) * chosen * (targets >= 0)).sum()
    loss.backward()

    flat = lambda tensors: [float(v) for t in tensors for v in t.detach().reshape(-1).tolist()]
    out = {
        "generator": "scripts/transformer_reference.py, torch " + torch.__version__ + ", float64",
        "configuration": c, "batch": BATCH, "length": LENGTH,
        "tokens": sum(TOKENS, []), "targets": sum(TARGETS, []), "upstream": sum(UPSTREAM, []),
        "parameters": flat(params[n] for n, _ in names),
        "logits": flat([logits]),
        "loss": float(loss.detach()),
        "gradient": flat(params[n].grad for n, _ in names),
    }
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "HumorGymTests", "Resources", "transformer-reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}: loss {out['loss']!r}, {len(out['parameters'])} parameters")


if __name__ == "__main__":
    main()
