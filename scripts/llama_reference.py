#!/usr/bin/env python3
"""A tiny random Llama model as a GGUF file, and its logits computed by PyTorch (float64).

Writes Tests/LlamaTests/Resources/tiny-llama.gguf (llama.cpp's tensor names and `llama.*` metadata: 2 layers,
width 32, 4 query heads sharing 2 key-value heads, a SwiGLU MLP of 64, the output head tied to the token
embedding; every tensor F32 but the MLP's down projections, Q8_0) and tiny-llama.json: two token sequences
and, for each, the next-token logits at every position. The reference reads the weights back from the file
(dequantised by the `gguf` package, so both sides start from the same numbers) and runs the architecture as
llama.cpp runs a GGUF: RMSNorm, rotary embeddings on adjacent pairs (2i, 2i + 1) with theta_i = base^(-2i/d_head),
grouped-query causal attention, SwiGLU, a final RMSNorm and the tied head.

Run: .venv/bin/pip install torch numpy gguf==0.19.0 && .venv/bin/python scripts/llama_reference.py
"""
import json
import os

import numpy as np
import torch
from gguf import GGMLQuantizationType as T, GGUFReader, GGUFWriter, quants

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "LlamaTests", "Resources")
V, D, LAYERS, HEADS, KV_HEADS, FF, CTX, BASE, EPS = 48, 32, 2, 4, 2, 64, 32, 10000.0, 1e-5
HD = D // HEADS
SEQUENCES = [[1, 5, 9, 47, 0, 12, 33, 33, 7, 2, 40, 18], [3, 3, 3]]
rng = np.random.default_rng(135)


def matrix(rows, cols, scale):
    return (rng.standard_normal((rows, cols)) * scale).astype(np.float32)


path = os.path.join(OUT, "tiny-llama.gguf")
writer = GGUFWriter(path, "llama")
writer.add_block_count(LAYERS)
writer.add_context_length(CTX)
writer.add_embedding_length(D)
writer.add_feed_forward_length(FF)
writer.add_head_count(HEADS)
writer.add_head_count_kv(KV_HEADS)
writer.add_rope_freq_base(BASE)
writer.add_layer_norm_rms_eps(EPS)
writer.add_rope_dimension_count(HD)
writer.add_tensor("token_embd.weight", matrix(V, D, 0.5))
for i in range(LAYERS):
    p = f"blk.{i}."
    writer.add_tensor(p + "attn_norm.weight", (1 + 0.1 * rng.standard_normal(D)).astype(np.float32))
    writer.add_tensor(p + "attn_q.weight", matrix(D, D, D ** -0.5))
    writer.add_tensor(p + "attn_k.weight", matrix(KV_HEADS * HD, D, D ** -0.5))
    writer.add_tensor(p + "attn_v.weight", matrix(KV_HEADS * HD, D, D ** -0.5))
    writer.add_tensor(p + "attn_output.weight", matrix(D, D, D ** -0.5))
    writer.add_tensor(p + "ffn_norm.weight", (1 + 0.1 * rng.standard_normal(D)).astype(np.float32))
    writer.add_tensor(p + "ffn_gate.weight", matrix(FF, D, D ** -0.5))
    writer.add_tensor(p + "ffn_up.weight", matrix(FF, D, D ** -0.5))
    writer.add_tensor(p + "ffn_down.weight", quants.quantize(matrix(D, FF, FF ** -0.5), T.Q8_0), raw_dtype=T.Q8_0)
writer.add_tensor("output_norm.weight", (1 + 0.1 * rng.standard_normal(D)).astype(np.float32))
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()

# The weights as the file holds them, in float64.
weights = {}
for t in GGUFReader(path).tensors:
    values = quants.dequantize(t.data, t.tensor_type)
    weights[t.name] = torch.tensor(np.array(values, dtype=np.float64).reshape(list(reversed([int(n) for n in t.shape]))))


def rms_norm(x, g):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + EPS) * g


def rope(x, positions):  # x: [T, heads, HD]; pairs (2i, 2i + 1)
    i = torch.arange(HD // 2, dtype=torch.float64)
    angle = positions[:, None] * BASE ** (-2 * i / HD)  # [T, HD/2]
    cos, sin = torch.cos(angle)[:, None, :], torch.sin(angle)[:, None, :]
    a, b = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = a * sin + b * cos
    return out


def logits(tokens):
    n = len(tokens)
    positions = torch.arange(n, dtype=torch.float64)
    x = weights["token_embd.weight"][tokens]
    mask = torch.triu(torch.full((n, n), float("-inf"), dtype=torch.float64), diagonal=1)
    for i in range(LAYERS):
        w = lambda name: weights[f"blk.{i}.{name}.weight"]
        h = rms_norm(x, w("attn_norm"))
        q = rope((h @ w("attn_q").T).view(n, HEADS, HD), positions)
        k = rope((h @ w("attn_k").T).view(n, KV_HEADS, HD), positions)
        v = (h @ w("attn_v").T).view(n, KV_HEADS, HD)
        k, v = k.repeat_interleave(HEADS // KV_HEADS, dim=1), v.repeat_interleave(HEADS // KV_HEADS, dim=1)
        scores = torch.einsum("thd,shd->hts", q, k) / HD ** 0.5 + mask
        attended = torch.einsum("hts,shd->thd", torch.softmax(scores, dim=-1), v).reshape(n, D)
        x = x + attended @ w("attn_output").T
        h = rms_norm(x, w("ffn_norm"))
        x = x + (torch.nn.functional.silu(h @ w("ffn_gate").T) * (h @ w("ffn_up").T)) @ w("ffn_down").T
    return rms_norm(x, weights["output_norm.weight"]) @ weights["token_embd.weight"].T


with open(os.path.join(OUT, "tiny-llama.json"), "w") as f:
    json.dump({"sequences": [{"tokens": s, "logits": [float(v) for v in logits(s).reshape(-1)]} for s in SEQUENCES]}, f)
    f.write("\n")
print("wrote", path, "and tiny-llama.json")
