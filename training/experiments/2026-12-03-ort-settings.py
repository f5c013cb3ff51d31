"""Probe (2026-12-03, session 20, issue #4): onnxruntime session settings on the shipped e5 graph, and the cost
per text against the rows per run. Recorded in 2026-12-03-speed-probes-s20.md.

1. Session settings (one thread, the texts the gate passes on in runs of 16 by length, interleaved rounds):
   the defaults; set_denormal_as_zero; the memory pattern off; the CPU arena off; both off; graph optimization
   level "extended" instead of "all". Every variant's outputs are compared with the defaults'.
2. The graph with both exits closed (thresholds 2: every row runs all 8 layers), on the 124 held-out texts of
   the commonest token length, in runs of 4 to 128 rows: ms per text.
3. Level "extended" against "all" alone, 15 rounds in alternating order, with a second "all" session as a control.

  training/.venv/bin/python training/experiments/2026-12-03-ort-settings.py /tmp/probs.json
(/tmp/probs.json from 2026-12-02-cascade-probs.mts with e5=scoring/models/e5-sentiment gate=scoring/models/linear-gate)
"""

import collections
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from probe_common import gate_passed_runs, interleaved  # noqa: E402
from train_linear import clean_text  # noqa: E402
from train_transformer import load_tokenizer  # noqa: E402

E5 = Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment"
probs = json.loads(Path(sys.argv[1]).read_text())
tok = load_tokenizer(64, E5)

# 1. Session settings.
texts, feeds = gate_passed_runs(probs, tok)


def session(arena: bool = True, pattern: bool = True, level=ort.GraphOptimizationLevel.ORT_ENABLE_ALL, **config: str) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.enable_cpu_mem_arena, so.enable_mem_pattern, so.graph_optimization_level = arena, pattern, level
    for k, v in config.items():
        so.add_session_config_entry(k, v)
    return ort.InferenceSession(str(E5 / "model.onnx"), so, providers=["CPUExecutionProvider"])


sessions = {
    "defaults": session(),
    "denormals as zero": session(**{"session.set_denormal_as_zero": "1"}),
    "no memory pattern": session(pattern=False),
    "no arena": session(arena=False),
    "neither": session(arena=False, pattern=False),
    "level extended": session(level=ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED),
}
outs = {n: np.concatenate([s.run(None, f)[0] for f in feeds]) for n, s in sessions.items()}
for n, o in outs.items():
    print(f"{n}: max |difference| from the defaults {np.abs(o - outs['defaults']).max():.2g}")
interleaved(sessions, feeds, rounds=9)

# 2. Rows per run, every row through all 8 layers.
by_length = collections.defaultdict(list)
for e in tok.encode_batch([clean_text(t) for sp in ("validation", "test") for t in probs[f"texts.{sp}"]]):
    by_length[len(e.ids)].append(e.ids)
length = max(by_length, key=lambda k: len(by_length[k]))
same = np.array(by_length[length][:128], np.int64)
m = onnx.load(str(E5 / "model.onnx"))
for init in m.graph.initializer:
    if init.name.endswith("/threshold"):
        init.CopyFrom(numpy_helper.from_array(np.full(numpy_helper.to_array(init).shape, 2.0, np.float32), init.name))
so = ort.SessionOptions()
so.intra_op_num_threads = 1
closed = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
per_text = collections.defaultdict(list)
for _ in range(5):
    for size in (4, 8, 16, 32, 64, 128):
        t0 = time.perf_counter()
        for k in range(0, len(same), size):
            closed.run(None, {"input_ids": same[k : k + size], "attention_mask": np.ones_like(same[k : k + size])})
        per_text[size].append((time.perf_counter() - t0) / len(same) * 1000)
print(f"{len(same)} texts of {length} tokens, all 8 layers:")
for size, t in per_text.items():
    print(f"  {size:4d} rows per run ({size * length:5d} token rows): median {np.median(t):.3f} ms per text")

# 3. Level "extended" against the default "all", alone: every other run of section 1's texts, 15 rounds in
# alternating order, with a second default session as the control.
levels = {
    "all": session(),
    "extended": session(level=ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED),
    "all, control": session(),
}
interleaved(levels, feeds[::2], rounds=15, alternate=True)
