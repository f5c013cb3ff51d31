"""Experiment (2026-12-03, session 21, issue #4): what e5 would cost with a narrower feed-forward block.

Each of e5's 8 layers spends its feed-forward block on a 384 -> 1536 GEMM, Gelu, a uint8 QuantizeLinear and a
1536 -> 384 GEMM: by the profile of 2026-12-03-gate-band.md, about half the session's time. Pruning feed-forward
units (and fine-tuning the rest) is a training lever; before spending a training run on it, this probe cuts the
shipped int8 graph's intermediate width to K units (the first K columns of the up-projection, its scales and bias,
and the first K rows of the down-projection) and times it against the full graph. The cut graph's outputs are
meaningless: its exits are switched off (threshold 2) in every session, so each row runs all 8 layers and the
ratio is the per-layer cost ratio the cascade's e5 stage would see.

  training/.venv/bin/python training/experiments/2026-12-03-e5-ffn-slice.py /tmp/probs6.json [rounds]
(/tmp/probs6.json from 2026-12-02-cascade-probs.mts with e5=scoring/models/e5-sentiment gate=scoring/models/linear-gate)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from probe_common import gate_passed_runs, interleaved, patched_exits  # noqa: E402
from train_transformer import load_tokenizer  # noqa: E402

E5 = Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment"


def sliced(base: onnx.ModelProto, keep: int) -> onnx.ModelProto:
    m = onnx.ModelProto()
    m.CopyFrom(base)
    inits = {i.name: i for i in m.graph.initializer}

    def cut(name: str, index: tuple[slice, ...]) -> None:
        arr = numpy_helper.to_array(inits[name])
        inits[name].CopyFrom(numpy_helper.from_array(np.ascontiguousarray(arr[index]), name))

    for n in m.graph.node:
        if n.op_type != "MatMulIntegerToFloat":
            continue
        if n.name.endswith("/intermediate/dense/MatMul"):
            cut(n.input[1], (slice(None), slice(0, keep)))  # weight [384, 1536]: columns
            cut(n.input[3], (slice(0, keep),))  # per-column weight scale
            cut(n.input[6], (slice(0, keep),))  # bias
        elif n.name.endswith("/output/dense/MatMul") and "attention" not in n.name:
            cut(n.input[1], (slice(0, keep), slice(None)))  # weight [1536, 384]: rows
    return m


probs = json.loads(Path(sys.argv[1]).read_text())
tok = load_tokenizer(64, E5)
texts, feeds = gate_passed_runs(probs, tok)
base = onnx.load(str(E5 / "model.onnx"))
sessions = {"full 1536": patched_exits(base, 2.0, 2.0, threads=1)}
for keep in (1152, 768, 512):
    sessions[f"ffn {keep}"] = patched_exits(sliced(base, keep), 2.0, 2.0, threads=1)
print(f"{len(texts)} gate-passed texts in {len(feeds)} runs; every row through all 8 layers")
interleaved(sessions, feeds, rounds=int(sys.argv[2]) if len(sys.argv) > 2 else 7, alternate=True)
