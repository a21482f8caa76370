#!/usr/bin/env python3
"""The PyTorch peer of HumorGym's transformer training step: the same architecture (scripts/transformer_reference.py's
`forward`), float32, one full step = forward, cross-entropy on every position, backward, AdamW.

Usage: pytorch_step.py THREADS STEPS  -> prints one JSON line: threads, ms_per_step, tokens_per_second.
HumorGymBenchmarks runs it beside the Swift step, at the same thread count, in the same run.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from transformer_reference import forward, layout  # noqa: E402

CONFIG = {"vocabularySize": 1024, "contextLength": 64, "width": 128, "layers": 4, "heads": 4, "mlpRatio": 4, "layerNormEpsilon": 1e-5}
BATCH = 32


def main():
    threads, steps = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    params = {}
    for name, shape in layout(CONFIG):
        t = torch.ones(shape) if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name == "ln_f.weight" else torch.randn(shape) * 0.02
        params[name] = t.requires_grad_(True)
    optimizer = torch.optim.AdamW(params.values(), lr=1e-3, weight_decay=0.01)
    tokens = torch.randint(0, CONFIG["vocabularySize"], (BATCH, CONFIG["contextLength"]))
    targets = torch.randint(0, CONFIG["vocabularySize"], (BATCH, CONFIG["contextLength"]))

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits = forward(params, tokens, CONFIG)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, CONFIG["vocabularySize"]), targets.reshape(-1))
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - start) / steps
    print(json.dumps({"threads": threads, "ms_per_step": 1000 * seconds, "tokens_per_second": BATCH * CONFIG["contextLength"] / seconds,
                      "parameters": sum(p.numel() for p in params.values()), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
