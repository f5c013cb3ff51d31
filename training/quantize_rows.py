"""Row-wise int8 for the served transformer graph: each MatMul with constant weights becomes a
MatMulInteger of activations quantized per row (one scale per token, computed in the graph from that
row alone) and weights quantized per output column. Used by train_transformer.py's packaging step.

Why this form (measured in training/experiments/2026-12-01-row-int8.md):
- Batch-invariant: a row's scale depends on that row only, so a text scores the same alone or in any
  batch. onnxruntime's quantize_dynamic scales each activation tensor as a whole, which moved
  probabilities by up to 0.3 with a text's batch neighbours.
- Fast: MatMulInteger with uint8 activations and int8 weights runs on onnxruntime's integer GEMM
  (VNNI or AMX where the CPU has them, AVX2 otherwise). On the AVX-512/AMX Xeon it was measured on,
  the graph ran about 2x the items/s of MatMulNBits (accuracy_level 4), whose 8-bit path was
  slower there than plain fp32.
- The same integers on every CPU: weights are kept to 7 bits (|w| <= 63). AVX2's u8 x s8 dot
  product (vpmaddubsw) adds pairs of products into int16 with saturation; with activations in
  [0, 255] and |w| <= 63 a pair stays <= 32,130 < 32,767, so no CPU saturates and the int32 sums
  are exact everywhere (onnxruntime's quantization guide: "reduce_range").
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

WEIGHT_MAX = 63  # 7-bit weights: see the module docstring
ACT_ZERO_POINT = 128  # activations travel as uint8 = round(x / scale) + 128, |round(x / scale)| <= 127
MIN_COLUMNS = 32  # the 3-column classifier head stays fp32: no speed to win, and it sets the label


def _prune_initializers(g: onnx.GraphProto) -> None:
    used = {i for n in g.node for i in n.input}
    live = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(live)


def quantize_rows(model: onnx.ModelProto) -> onnx.ModelProto:
    """Rewrites every MatMul whose second input is a constant [K, N] (N >= MIN_COLUMNS) in place:

        s_x = max(max_k |x_k| / 127, eps)                        per row, from the row alone
        x_q = uint8(round(x / s_x) + 128)
        s_w[n] = max_k |W[k, n]| / 63,  W_q = int8(round(W / s_w))  per column, offline
        y = float(MatMulInteger(x_q, W_q, zero_point 128)) * s_x * s_w
    """
    g = model.graph
    inits = {i.name: i for i in g.initializer}

    def const(name: str, value: np.ndarray) -> str:
        g.initializer.append(numpy_helper.from_array(value, name))
        return name

    inv127 = const("rowq/inv127", np.array(1.0 / 127.0, dtype=np.float32))
    eps = const("rowq/eps", np.array(1e-12, dtype=np.float32))
    one = const("rowq/one", np.array(1.0, dtype=np.float32))
    zp = const("rowq/zp", np.array(ACT_ZERO_POINT, dtype=np.uint8))

    nodes: list[onnx.NodeProto] = []
    rewritten = 0
    for n in g.node:
        w_init = inits.get(n.input[1]) if n.op_type == "MatMul" and len(n.input) == 2 else None
        w = numpy_helper.to_array(w_init) if w_init is not None else None
        if w is None or w.ndim != 2 or w.dtype != np.float32 or w.shape[1] < MIN_COLUMNS:
            nodes.append(n)
            continue
        rewritten += 1
        p = f"rowq/{rewritten}/"
        s_w = np.maximum(np.abs(w).max(axis=0), 1e-12) / WEIGHT_MAX
        w_q = np.clip(np.round(w / s_w), -WEIGHT_MAX, WEIGHT_MAX).astype(np.int8)
        const(p + "w", w_q)
        const(p + "w_scale", s_w.astype(np.float32))
        x = n.input[0]
        nodes += [
            helper.make_node("Abs", [x], [p + "abs"]),
            helper.make_node("ReduceMax", [p + "abs"], [p + "amax"], axes=[-1], keepdims=1),
            helper.make_node("Mul", [p + "amax", inv127], [p + "scale0"]),
            helper.make_node("Max", [p + "scale0", eps], [p + "x_scale"]),
            helper.make_node("Div", [x, p + "x_scale"], [p + "scaled"]),
            # round half to even, + 128, saturate to uint8: Round, Add and Cast in one pass
            helper.make_node("QuantizeLinear", [p + "scaled", one, zp], [p + "x_q"]),
            helper.make_node("MatMulInteger", [p + "x_q", p + "w", zp], [p + "acc"]),
            # Not DequantizeLinear(acc, w_scale, axis=-1), which would fuse Cast and one Mul: its
            # per-axis int32 kernel took 27 % of the graph's time, Cast + Mul about a third of that.
            helper.make_node("Cast", [p + "acc"], [p + "acc_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [p + "acc_f", p + "x_scale"], [p + "y_row"]),
            helper.make_node("Mul", [p + "y_row", p + "w_scale"], [n.output[0]], name=n.name),
        ]
    if rewritten == 0:
        raise ValueError("no MatMul with constant weights to quantize")
    del g.node[:]
    g.node.extend(nodes)
    _prune_initializers(g)
    return model


def dequantize(model: onnx.ModelProto) -> onnx.ModelProto:
    """The fp32 graph an int8 graph of the previous format stands for: MatMulNBits (8 bits,
    symmetric) becomes MatMul with its dequantized weights and int8 Gather + DequantizeLinear a
    float Gather. What `train_transformer.py --unpack` re-quantizes a shipped model from."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    nodes: list[onnx.NodeProto] = []
    for n in g.node:
        if n.op_type == "MatMulNBits":
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            if attrs["bits"] != 8 or len(n.input) > 3:
                raise ValueError(f"{n.name}: only symmetric 8-bit MatMulNBits without zero points or bias is handled")
            q = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)  # [N, blocks, block]
            s = numpy_helper.to_array(inits[n.input[2]]).astype(np.float32)  # [N, blocks]
            w = ((q - 128.0) * s[:, :, None]).reshape(attrs["N"], -1)[:, : attrs["K"]]
            name = n.input[1] + "/fp32"
            g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(w.T), name))
            nodes.append(helper.make_node("MatMul", [n.input[0], name], list(n.output), name=n.name))
        elif n.op_type == "DequantizeLinear" and n.input[0] in producer and producer[n.input[0]].op_type == "Gather":
            gather = producer[n.input[0]]
            table = numpy_helper.to_array(inits[gather.input[0]]).astype(np.float32)
            scale = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
            zero = numpy_helper.to_array(inits[n.input[2]]).astype(np.float32) if len(n.input) > 2 else 0.0
            name = gather.input[0] + "/fp32"
            g.initializer.append(numpy_helper.from_array((table - zero) * scale, name))
            nodes.append(helper.make_node("Gather", [name, gather.input[1]], list(n.output), name=gather.name))
        else:
            nodes.append(n)
    # The int8 Gathers are now unused; drop them with their tables.
    used = {i for n in nodes for i in n.input} | {o.name for o in g.output}
    nodes = [n for n in nodes if n.op_type != "Gather" or n.output[0] in used]
    del g.node[:]
    g.node.extend(nodes)
    _prune_initializers(g)
    kept = [o for o in model.opset_import if o.domain != "com.microsoft"]
    del model.opset_import[:]
    model.opset_import.extend(kept)
    return model
