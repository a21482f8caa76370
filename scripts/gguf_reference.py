#!/usr/bin/env python3
"""A tiny GGUF file and the values it holds, written by the `gguf` package (llama.cpp's own Python writer).

Writes Tests/GGUFTests/Resources/tiny.gguf: metadata of every GGUF value type (an array of strings and an
array of integers among them), an alignment of 64, and small tensors of every type HumorGym's reader
dequantises (F32, F16, BF16, Q8_0, Q4_0, Q4_1), quantised by `gguf.quants` from fixed random values; and
tiny.json beside it: each tensor's shape (ggml's order, the fastest dimension first), type and its values as
`gguf.quants.dequantize` reads them back, which the Swift reader must match exactly.

Run: pip install gguf==0.19.0 numpy && python3 scripts/gguf_reference.py   (the tests need neither)
"""
import json
import os

import numpy as np
from gguf import GGMLQuantizationType as T, GGUFWriter, quants

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GGUFTests", "Resources")
rng = np.random.default_rng(2024)

# name -> (type, numpy shape: rows x row length; ggml's dimensions are these reversed)
TENSORS = {
    "f32": (T.F32, (3, 4)),
    "f16": (T.F16, (2, 32)),
    "bf16": (T.BF16, (2, 32)),
    "q8_0": (T.Q8_0, (3, 64)),
    "q4_0": (T.Q4_0, (2, 32)),
    "q4_1": (T.Q4_1, (4, 64)),
}

writer = GGUFWriter(os.path.join(OUT, "tiny.gguf"), "llama")
writer.data_alignment = 64
writer.add_uint32("general.alignment", 64)
writer.add_string("general.name", "tiny reference")
writer.add_uint8("test.uint8", 200)
writer.add_int8("test.int8", -5)
writer.add_uint16("test.uint16", 60000)
writer.add_int16("test.int16", -30000)
writer.add_int32("test.int32", -123456)
writer.add_uint64("test.uint64", 2**40 + 3)
writer.add_int64("test.int64", -(2**40))
writer.add_float32("test.float32", 0.25)
writer.add_float64("test.float64", -1.5)
writer.add_bool("test.bool", True)
writer.add_array("test.strings", ["hello", "Ġworld", "ü"])
writer.add_array("test.ints", [1, 2, 3])

expected = {}
for name, (kind, shape) in TENSORS.items():
    values = (rng.standard_normal(shape) * 2).astype(np.float32)
    if kind == T.F32:
        raw = values
    elif kind == T.F16:
        raw = values.astype(np.float16)
    else:
        raw = quants.quantize(values, kind)
    writer.add_tensor(name, raw, raw_dtype=kind)
    back = quants.dequantize(raw.view(np.uint8) if kind not in (T.F32, T.F16) else raw, kind).astype(np.float32)
    expected[name] = {"type": kind.name, "dimensions": list(reversed(shape)), "values": [float(v) for v in back.reshape(-1)]}

writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
with open(os.path.join(OUT, "tiny.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
print("wrote", os.path.join(OUT, "tiny.gguf"), "and tiny.json")
