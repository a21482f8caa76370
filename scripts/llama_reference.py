#!/usr/bin/env python3
"""A tiny random Llama model as a GGUF file, and its logits computed by PyTorch (float64).

Writes Tests/LlamaTests/Resources/tiny-llama.gguf (llama.cpp's tensor names and `llama.*` metadata: 2 layers,
width 32, 4 query heads sharing 2 key-value heads, a SwiGLU MLP of 64, the output head tied to the token
embedding; every tensor F32 but the MLP's down projections, Q8_0) and tiny-llama.json: two token sequences
and, for each, the next-token logits at every position. The reference reads the weights back from the file
(dequantised by the `gguf` package, so both sides start from the same numbers) and runs the architecture as
llama.cpp runs a GGUF: RMSNorm, rotary embeddings on adjacent pairs (2i, 2i + 1) with theta_i = base^(-2i/d_head),
grouped-query causal attention, SwiGLU, a final RMSNorm and the tied head.

tiny-llama-lora.json: a rank-4 LoRA (alpha 8, so a scale of 2) on every projection (q, k, v, o, gate, up, down) of
every layer, y = x W^T + 2 (x A^T) B^T, with A [rank, in] and B [out, rank] row-major (B's rows for q and k in the
GGUF's order, as attn_q's and attn_k's); a weight for every next-token prediction of the two sequences; the logits with
the LoRA; the loss, the sum over sequences and positions p of weight[p] * log_softmax(logits[p])[token p + 1]; and its
gradients with respect to every A and B, by autograd in float64. Every A, B and weight is a float32 value.

tiny-llama-peft/: the same LoRA as a PEFT adapter for the Hugging Face model (adapter_config.json and
adapter_model.safetensors, float32, written by peft 0.21.2 with transformers 5.25.0). The script first checks, to
1e-9, that transformers' LlamaForCausalLM with the GGUF's weights (q and k rows un-permuted back to HF's order) gives
the reference's logits, and that it gives the LoRA logits once wrapped by peft with the adapter (transformers' RMSNorm
and rotary angles, which it computes in float32, replaced by the same formulas in float64).

Run: .venv/bin/pip install torch numpy gguf==0.19.0 transformers peft safetensors &&
     .venv/bin/python scripts/llama_reference.py
"""
import json
import os

import numpy as np
import torch
from gguf import GGMLQuantizationType as T, GGUFReader, GGUFWriter, quants
from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.models.llama import modeling_llama

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "LlamaTests", "Resources")
V, D, LAYERS, HEADS, KV_HEADS, FF, CTX, BASE, EPS = 48, 32, 2, 4, 2, 64, 32, 10000.0, 1e-5
HD = D // HEADS
SEQUENCES = [[1, 5, 9, 47, 0, 12, 33, 33, 7, 2, 40, 18], [3, 3, 3]]
rng = np.random.default_rng(135)
# LoRA targets: the GGUF's tensor and Hugging Face's module for each.
TARGETS = {"q": ("attn_q", "self_attn.q_proj"), "k": ("attn_k", "self_attn.k_proj"),
           "v": ("attn_v", "self_attn.v_proj"), "o": ("attn_output", "self_attn.o_proj"),
           "gate": ("ffn_gate", "mlp.gate_proj"), "up": ("ffn_up", "mlp.up_proj"),
           "down": ("ffn_down", "mlp.down_proj")}
RANK, ALPHA = 4, 8.0


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


def logits(tokens, lora=None):  # lora: per layer, target -> (A, B)
    n = len(tokens)
    positions = torch.arange(n, dtype=torch.float64)
    x = weights["token_embd.weight"][tokens]
    mask = torch.triu(torch.full((n, n), float("-inf"), dtype=torch.float64), diagonal=1)
    for i in range(LAYERS):
        w = lambda name: weights[f"blk.{i}.{name}.weight"]

        def proj(x, target):  # x W^T + s (x A^T) B^T
            y = x @ w(TARGETS[target][0]).T
            if lora:
                a, b = lora[i][target]
                y = y + ALPHA / RANK * (x @ a.T) @ b.T
            return y

        h = rms_norm(x, w("attn_norm"))
        q = rope(proj(h, "q").view(n, HEADS, HD), positions)
        k = rope(proj(h, "k").view(n, KV_HEADS, HD), positions)
        v = proj(h, "v").view(n, KV_HEADS, HD)
        k, v = k.repeat_interleave(HEADS // KV_HEADS, dim=1), v.repeat_interleave(HEADS // KV_HEADS, dim=1)
        scores = torch.einsum("thd,shd->hts", q, k) / HD ** 0.5 + mask
        attended = torch.einsum("hts,shd->thd", torch.softmax(scores, dim=-1), v).reshape(n, D)
        x = x + proj(attended, "o")
        h = rms_norm(x, w("ffn_norm"))
        x = x + proj(torch.nn.functional.silu(proj(h, "gate")) * proj(h, "up"), "down")
    return rms_norm(x, weights["output_norm.weight"]) @ weights["token_embd.weight"].T


with open(os.path.join(OUT, "tiny-llama.json"), "w") as f:
    json.dump({"sequences": [{"tokens": s, "logits": [float(v) for v in logits(s).reshape(-1)]} for s in SEQUENCES]}, f)
    f.write("\n")

# A LoRA on every projection and a weight for every next-token prediction, from a generator of their own so that
# the model and tiny-llama.json stay as they were.
lora_rng = np.random.default_rng(136)


def exact(values):  # float64 values that Swift's Float holds exactly
    return torch.tensor(values.astype(np.float32).astype(np.float64))


def lora_matrix(rows, cols):
    return exact(lora_rng.standard_normal((rows, cols)) * 0.3).requires_grad_()


lora = []  # per layer, target -> (A [RANK, in], B [out, RANK]); B's rows for q and k in the GGUF's order, as W's
for i in range(LAYERS):
    shapes = {target: weights[f"blk.{i}.{name}.weight"].shape for target, (name, _) in TARGETS.items()}
    lora.append({target: (lora_matrix(RANK, inputs), lora_matrix(outputs, RANK))
                 for target, (outputs, inputs) in shapes.items()})
position_weights = [exact(lora_rng.uniform(-1, 1, len(s) - 1)) for s in SEQUENCES]
lora_logits = [logits(s, lora) for s in SEQUENCES]
loss = sum((w * torch.log_softmax(l, -1)[torch.arange(len(s) - 1), s[1:]]).sum()
           for s, w, l in zip(SEQUENCES, position_weights, lora_logits))
loss.backward()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


with open(os.path.join(OUT, "tiny-llama-lora.json"), "w") as f:
    json.dump({"rank": RANK, "alpha": ALPHA, "targets": list(TARGETS),
               "layers": [{t: {"A": flat(a), "B": flat(b)} for t, (a, b) in layer.items()} for layer in lora],
               "sequences": [{"tokens": s, "weights": flat(w), "logits": flat(l)}
                             for s, w, l in zip(SEQUENCES, position_weights, lora_logits)],
               "loss": loss.item(),
               "gradients": [{t: {"A": flat(a.grad), "B": flat(b.grad)} for t, (a, b) in layer.items()}
                             for layer in lora]}, f)
    f.write("\n")


def unpermute(w, heads):  # the inverse of convert_hf_to_gguf.py's LlamaModel.permute: GGUF's q/k rows in HF's order
    return w.reshape(heads, w.shape[0] // heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def hf_rows(target, w):
    heads = {"q": HEADS, "k": KV_HEADS}.get(target)
    return w if heads is None else unpermute(w, heads)


def largest_difference(model, expected):
    with torch.no_grad():
        return max(float((model(torch.tensor([s])).logits[0] - e).abs().max()) for s, e in zip(SEQUENCES, expected))


# transformers computes the RMSNorm and the rotary angles in float32 whatever the model's dtype (differences of 2e-6);
# the same formulas in float64, so that the comparisons below hold to 1e-9.
def rms_norm_float64(self, x):
    return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.variance_epsilon))


def rotary_embedding_float64(self, x, position_ids):  # HF's layout: the angles repeated over the two halves of a head
    angle = position_ids[..., None].double() * BASE ** (-torch.arange(0, HD, 2, dtype=torch.float64) / HD)
    angle = torch.cat((angle, angle), -1)
    return angle.cos(), angle.sin()


modeling_llama.LlamaRMSNorm.forward = rms_norm_float64
modeling_llama.LlamaRotaryEmbedding.forward = rotary_embedding_float64

# The same model in transformers: HF's rotate-half RoPE only agrees with the reference if q and k are un-permuted.
model = LlamaForCausalLM(LlamaConfig(vocab_size=V, hidden_size=D, intermediate_size=FF, num_hidden_layers=LAYERS,
                                     num_attention_heads=HEADS, num_key_value_heads=KV_HEADS,
                                     max_position_embeddings=CTX, rms_norm_eps=EPS, rope_theta=BASE,
                                     tie_word_embeddings=True, attention_bias=False, mlp_bias=False)).double()
state = {"model.embed_tokens.weight": weights["token_embd.weight"], "lm_head.weight": weights["token_embd.weight"],
         "model.norm.weight": weights["output_norm.weight"]}
for i in range(LAYERS):
    state[f"model.layers.{i}.input_layernorm.weight"] = weights[f"blk.{i}.attn_norm.weight"]
    state[f"model.layers.{i}.post_attention_layernorm.weight"] = weights[f"blk.{i}.ffn_norm.weight"]
    for target, (name, module) in TARGETS.items():
        state[f"model.layers.{i}.{module}.weight"] = hf_rows(target, weights[f"blk.{i}.{name}.weight"])
model.load_state_dict(state)
difference = largest_difference(model, [logits(s) for s in SEQUENCES])
print("transformers vs reference, largest logit difference:", difference)
assert difference < 1e-9

modules = [module.split(".")[1] for _, module in TARGETS.values()]
model = get_peft_model(model, LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=modules, lora_dropout=0.0,
                                         bias="none", init_lora_weights=False))
adapter = {}
for i, layer in enumerate(lora):
    for target, (a, b) in layer.items():
        prefix = f"base_model.model.model.layers.{i}.{TARGETS[target][1]}."
        adapter[prefix + "lora_A.weight"], adapter[prefix + "lora_B.weight"] = a.detach(), hf_rows(target, b.detach())
assert not set_peft_model_state_dict(model, adapter).unexpected_keys
difference = largest_difference(model, lora_logits)
print("peft vs reference LoRA, largest logit difference:", difference)
assert difference < 1e-9
peft_dir = os.path.join(OUT, "tiny-llama-peft")
model.peft_config["default"].target_modules = modules  # peft's set would be written in a different order every run
model.float().save_pretrained(peft_dir)  # float32: what Swift reads, and exact since every value came through float32
if os.path.exists(os.path.join(peft_dir, "README.md")):
    os.remove(os.path.join(peft_dir, "README.md"))
print("wrote", path, "tiny-llama.json, tiny-llama-lora.json and tiny-llama-peft/")
