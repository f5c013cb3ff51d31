"""Experiment (2026-12-03, session 19, issue #4): two graph surgeries on the shipped e5, timed against it,
and onnxruntime's profile of it, on the texts the gate passes on. Recorded in 2026-12-03-gate-band.md,
section 2. Neither surgery is shipped.

- qkv: each layer's Q, K and V MatMulIntegerToFloat (one input, one input scale) as one GEMM over the
  concatenated weights, column scales and biases, then a Split. Every output column is the same integer dot
  product and the same scaling, so the outputs are expected to be bit-identical.
- scale: each layer's run-time attention scale (Shape -> Slice -> Cast -> Sqrt -> Div -> Cast -> Sqrt) as a
  constant, computed by onnxruntime at two input shapes and checked equal.

The held-out headlines whose gate probability is below 0.97, sorted by length, in runs of 16, one thread;
seven interleaved rounds.

  training/.venv/bin/python training/experiments/2026-12-03-e5-surgery.py /tmp/probs.json
(/tmp/probs.json from 2026-12-02-cascade-probs.mts with gate=scoring/models/linear-gate, as in 2026-12-03-gate-band.py)
"""

from __future__ import annotations

import collections
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import streamline  # noqa: E402
from probe_common import gate_passed_runs, interleaved  # noqa: E402
from train_transformer import load_tokenizer  # noqa: E402

E5 = Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment"


def fold_scale(m: onnx.ModelProto) -> onnx.ModelProto:
    g = m.graph
    names = [n.output[0] for n in g.node if n.op_type == "Sqrt" and n.name.endswith(("/Sqrt_1", "/Sqrt_2"))]
    probe = onnx.ModelProto()
    probe.CopyFrom(m)
    for name in names:
        probe.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    values = []
    for rows, width in ((1, 5), (3, 17)):
        ids = np.full((rows, width), 1000, np.int64)
        values.append(session.run(names, {"input_ids": ids, "attention_mask": np.ones_like(ids)}))
    assert all(np.array_equal(a, b) for a, b in zip(*values)), "the scale depends on the input's shape"
    kept = []
    for n in g.node:
        if n.output[0] in names:
            g.initializer.append(numpy_helper.from_array(values[0][names.index(n.output[0])], n.output[0]))
        else:
            kept.append(n)
    del g.node[:]
    g.node.extend(kept)
    streamline.prune(g)
    return m


def merge_qkv(m: onnx.ModelProto) -> onnx.ModelProto:
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    by_name = {n.name: n for n in g.node}
    arr = lambda name: numpy_helper.to_array(inits[name])  # noqa: E731
    out, skip = [], set()
    for n in list(g.node):
        if n.name in skip:
            continue
        if not (n.op_type == "MatMulIntegerToFloat" and n.name.endswith("/attention/self/query/MatMul")):
            out.append(n)
            continue
        pre = n.name[: -len("query/MatMul")]
        trio = [n, by_name[pre + "key/MatMul"], by_name[pre + "value/MatMul"]]
        assert all(t.input[0] == n.input[0] and t.input[2] == n.input[2] for t in trio), "Q, K and V read different inputs"
        w = np.concatenate([arr(t.input[1]) for t in trio], 1)
        g.initializer.append(numpy_helper.from_array(w, pre + "qkv/w"))
        inputs = [n.input[0], pre + "qkv/w", n.input[2]]
        for idx, suffix in ((3, "w_scale"), (4, None), (5, None), (6, "bias")):
            name = n.input[idx] if idx < len(n.input) else ""
            if not name or suffix is None:
                inputs.append(name)
                continue
            g.initializer.append(numpy_helper.from_array(np.concatenate([arr(t.input[idx]) for t in trio]), pre + "qkv/" + suffix))
            inputs.append(pre + "qkv/" + suffix)
        g.initializer.append(numpy_helper.from_array(np.array([w.shape[1] // 3] * 3, np.int64), pre + "qkv/sizes"))
        out.append(helper.make_node("MatMulIntegerToFloat", inputs, [pre + "qkv/out"], name=pre + "qkv/MatMul", domain="com.microsoft"))
        out.append(helper.make_node("Split", [pre + "qkv/out", pre + "qkv/sizes"], [t.output[0] for t in trio], name=pre + "qkv/Split", axis=-1))
        skip.update(t.name for t in trio[1:])
    del g.node[:]
    g.node.extend(out)
    streamline.prune(g)
    return m


probs = json.loads(Path(sys.argv[1]).read_text())
tok = load_tokenizer(64, E5)
texts, feeds = gate_passed_runs(probs, tok)
print(f"{len(texts)} headlines in {len(feeds)} runs")

variants = {"shipped": onnx.load(E5 / "model.onnx"), "qkv": merge_qkv(onnx.load(E5 / "model.onnx")), "scale": fold_scale(onnx.load(E5 / "model.onnx"))}
sessions = {}
for name, m in variants.items():
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    if name == "shipped":
        so.enable_profiling = True
        so.profile_file_prefix = os.path.join(tempfile.gettempdir(), "e5-surgery")
    sessions[name] = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
outputs = {name: np.concatenate([s.run(None, f)[0] for f in feeds]) for name, s in sessions.items()}
for name, o in outputs.items():
    print(f"{name}: max |difference| from the shipped graph {np.abs(o - outputs['shipped']).max():.2g}, {len(variants[name].graph.node)} nodes")

# The profile: the pass above, by op type (the exits' own nodes apart).
trace = sessions["shipped"].end_profiling()
by_op: collections.Counter[str] = collections.Counter()
for e in json.loads(Path(trace).read_text()):
    if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
        by_op[e["args"]["op_name"] + (" (exits)" if e["name"].startswith("exit") else "")] += e["dur"]
os.remove(trace)
total = sum(by_op.values())
print("shipped graph, kernel time by op: " + ", ".join(f"{op} {100 * us / total:.1f} %" for op, us in by_op.most_common(12)))

interleaved(sessions, feeds, rounds=7)
