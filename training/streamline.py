"""Constant reshape targets in a served encoder graph: the same outputs, a third fewer nodes. Used by
train_transformer.py's packaging step, after quantization and before early_exit.py
(training/experiments/2026-12-03-second-exit.md).

The exported attention computes every reshape's target shape at run time: Shape -> Gather -> Unsqueeze ->
Concat of the input's batch and sequence sizes, with -1 for the sequence, then the static heads and head
size (or the hidden size). That is four small nodes per reshape, run on every session run, about 240 of
e5's 707 nodes. ONNX Reshape's own 0 ("copy this dimension from the input") says the same with one
constant: [0, 0, heads, size] splits the heads of a [batch, tokens, hidden] tensor, [0, 0, hidden] joins
them again. The outputs are bit-identical, so nothing downstream changes: the int8 ranges, the exit heads
fit on the graph's features, the figures.

A 0 also copies a batch of zero rows, where a -1 cannot be inferred from zero elements: early_exit.py's
later layers can see zero rows (a run in which every text exited), so add_exit requires this pass first.
"""

from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import numpy_helper


def constant_tensors(g: onnx.GraphProto) -> dict[str, onnx.TensorProto]:
    """Every constant of the graph by name: Constant nodes' values and initializers, unread (a caller
    converts only the ones it needs, never the weights it does not)."""
    out = {i.name: i for i in g.initializer}
    out.update({n.output[0]: n.attribute[0].t for n in g.node if n.op_type == "Constant" and n.attribute[0].name == "value"})
    return out


def is_minus_one(t: onnx.TensorProto | None) -> bool:
    """A [-1] shape entry (dims first: a weight tensor is never read)."""
    return t is not None and list(t.dims) == [1] and numpy_helper.to_array(t).tolist() == [-1]


def prune(g: onnx.GraphProto) -> None:
    """Drops the nodes whose outputs nothing reads (to a fixed point), then the unread initializers."""
    outputs = {o.name for o in g.output}
    while True:
        read = {i for n in g.node for i in n.input} | outputs
        live = [n for n in g.node if any(o in read for o in n.output)]
        if len(live) == len(g.node):
            break
        del g.node[:]
        g.node.extend(live)
    drop_unread_initializers(g)


def drop_unread_initializers(g: onnx.GraphProto) -> None:
    """Drops the initializers no node reads (quantize_int8's rewrites leave the fp32 weights they replaced)."""
    read = {i for n in g.node for i in n.input}
    live = [i for i in g.initializer if i.name in read]
    del g.initializer[:]
    g.initializer.extend(live)


def static_reshapes(model_bytes: bytes) -> bytes:
    """Each attention Reshape whose target is Concat(batch, sequence or -1, static sizes...) gets the
    constant [0, 0, static sizes...]; the shape arithmetic that fed it is dropped. A graph without such
    reshapes comes back as it was."""
    m = onnx.load_from_string(model_bytes)
    g = m.graph
    producer = {o: n for n in g.node for o in n.output}
    consts = constant_tensors(g)
    changed = 0
    for n in g.node:
        if n.op_type != "Reshape" or "/attention/" not in n.name:
            continue
        concat = producer.get(n.input[1])
        if concat is None or concat.op_type != "Concat":
            continue
        parts = [None if i not in consts else numpy_helper.to_array(consts[i]) for i in concat.input]
        # First the batch size (computed), then the sequence size (computed, or -1), then static sizes.
        if len(parts) < 3 or parts[0] is not None or (parts[1] is not None and not is_minus_one(consts[concat.input[1]])):
            continue
        if any(p is None or p.size != 1 or int(p.reshape(-1)[0]) < 1 for p in parts[2:]):
            continue
        target = np.array([0, 0, *(int(p.reshape(-1)[0]) for p in parts[2:])], dtype=np.int64)
        name = f"{n.name}/target"
        g.initializer.append(numpy_helper.from_array(target, name))
        n.input[1] = name
        changed += 1
    if not changed:
        return model_bytes
    prune(g)
    onnx.checker.check_model(m)
    return m.SerializeToString()


if __name__ == "__main__":
    # python training/streamline.py IN.onnx OUT.onnx: the experiment note's before/after graphs.
    src, dst = sys.argv[1], sys.argv[2]
    before = onnx.load(src)
    after = onnx.load_from_string(static_reshapes(before.SerializeToString()))
    onnx.save_model(after, dst)
    print(f"{len(before.graph.node)} -> {len(after.graph.node)} nodes")
