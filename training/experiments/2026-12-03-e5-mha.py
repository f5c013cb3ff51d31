"""Experiment (2026-12-03, session 20, issue #4): e5's attention as onnxruntime's fused MultiHeadAttention,
and Add + LayerNormalization as SkipLayerNormalization, timed against the shipped graph.

Per layer the shipped graph spends 17 small nodes on attention between the Q/K/V projections and the output
projection (three Reshapes, four Transposes, the run-time scale chain, two Muls, two MatMuls, the mask Add,
Softmax, a Reshape). com.microsoft.MultiHeadAttention takes the projected Q, K and V as [batch, sequence,
hidden] with the additive mask as attention_bias and returns [batch, sequence, hidden]: one node. The residual
Add before each LayerNormalization becomes com.microsoft.SkipLayerNormalization.

Neither is exact: the float arithmetic is reordered, and the next uint8 QuantizeLinear then rounds a few values
the other way. So the probe also reports how far the probabilities move and how many labels change.

  training/.venv/bin/python training/experiments/2026-12-03-e5-mha.py /tmp/probs6.json
(/tmp/probs6.json from 2026-12-02-cascade-probs.mts with e5=scoring/models/e5-sentiment gate=scoring/models/linear-gate)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import streamline  # noqa: E402
from probe_common import gate_passed_runs, interleaved  # noqa: E402
from train_transformer import load_tokenizer  # noqa: E402

E5 = Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment"
HEADS = 12


def fuse_mha(m: onnx.ModelProto) -> onnx.ModelProto:
    g = m.graph
    by_name = {n.name: n for n in g.node}
    drop: set[str] = set()
    new: dict[str, list[onnx.NodeProto]] = {}  # inserted before the node named by the key
    for n in g.node:
        if not (n.op_type == "MatMulIntegerToFloat" and n.name.endswith("/attention/self/query/MatMul")):
            continue
        pre = n.name[: -len("query/MatMul")]
        q, k, v = (by_name[pre + s + "/MatMul"].output[0] for s in ("query", "key", "value"))
        add = by_name[pre + "Add"]
        mask = add.input[1]
        out = by_name[pre + "Reshape_3"].output[0]
        nodes = []
        # The shipped graph's additive mask is already [batch, 1, sequence, sequence]: MultiHeadAttention's
        # attention_bias takes it as it is (0 where attended, the float minimum where padded).
        nodes.append(helper.make_node("MultiHeadAttention", [q, k, v, "", "", mask], [out], name=pre + "MHA", domain="com.microsoft", num_heads=HEADS))
        new[pre + "Reshape_3"] = nodes
        drop.update(x.name for x in g.node if x.name.startswith(pre) and x.op_type != "MatMulIntegerToFloat" and x.op_type != "Constant")
    out_nodes = []
    for n in g.node:
        if n.name in new:
            out_nodes.extend(new[n.name])
        if n.name not in drop:
            out_nodes.append(n)
    del g.node[:]
    g.node.extend(out_nodes)
    streamline.prune(g)
    return m


def fuse_skip_ln(m: onnx.ModelProto) -> onnx.ModelProto:
    g = m.graph
    prod = {o: n for n in g.node for o in n.output}
    uses: dict[str, int] = {}
    for n in g.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1
    out_nodes, drop = [], set()
    for n in g.node:
        if n.op_type == "LayerNormalization" and n.name.endswith("LayerNorm/LayerNormalization"):
            a = prod.get(n.input[0])
            if a is not None and a.op_type == "Add" and uses[a.output[0]] == 1:
                drop.add(a.name)
                eps = next((x.f for x in n.attribute if x.name == "epsilon"), 1e-5)
                out_nodes.append(helper.make_node("SkipLayerNormalization", [a.input[0], a.input[1], n.input[1], n.input[2]], [n.output[0]], name=n.name + "/Skip", domain="com.microsoft", epsilon=eps))
                continue
        out_nodes.append(n)
    out_nodes = [n for n in out_nodes if n.name not in drop]
    del g.node[:]
    g.node.extend(out_nodes)
    return m


probs = json.loads(Path(sys.argv[1]).read_text())
tok = load_tokenizer(64, E5)
texts, feeds = gate_passed_runs(probs, tok)
print(f"{len(texts)} headlines in {len(feeds)} runs")

variants = {
    "shipped": onnx.load(E5 / "model.onnx"),
    "mha": fuse_mha(onnx.load(E5 / "model.onnx")),
    "skipln": fuse_skip_ln(onnx.load(E5 / "model.onnx")),
    "mha+skipln": fuse_skip_ln(fuse_mha(onnx.load(E5 / "model.onnx"))),
}
sessions = {}
for name, m in variants.items():
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sessions[name] = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
outputs = {name: np.concatenate([s.run(None, f)[0] for f in feeds]) for name, s in sessions.items()}
for name, o in outputs.items():
    d = np.abs(o - outputs["shipped"]).max(1)
    flips = int((o.argmax(1) != outputs["shipped"].argmax(1)).sum())
    print(f"{name}: {len(variants[name].graph.node)} nodes; |difference| from the shipped graph: max {d.max():.2g}, "
          f"rows above 1e-3: {(d > 1e-3).sum()}, labels changed: {flips} of {len(o)}")

interleaved(sessions, feeds, rounds=int(sys.argv[2]) if len(sys.argv) > 2 else 8, alternate=True)
