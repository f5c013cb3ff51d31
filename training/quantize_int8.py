"""int8 for the served transformer graph: each MatMul with constant weights becomes one
com.microsoft MatMulIntegerToFloat of uint8 activations, quantized with one fixed range per tensor
measured on training headlines, and int8 weights with one scale per output column; the bias Add that
follows folds into it. Used by train_transformer.py's packaging step.

Why this form (measured in training/experiments/2026-12-01-static-int8.md):
- Fast: a fixed activation range makes quantizing one QuantizeLinear (shared by Q, K and V, which read
  the same tensor) and dequantizing, scaling and adding the bias part of the integer GEMM's own
  kernel. The per-token form shipped before it (one scale per token, computed in the graph) spent
  about a third of the graph's time in Abs / ReduceMax / Div / Cast / Mul passes; this one ran
  1.5-2x its items/s on the same machine.
- Batch-invariant: every op is per element or per row, and the ranges are constants, so a text
  scores the same alone or in any batch. onnxruntime's quantize_dynamic scales each activation
  tensor as a whole at run time, which moved probabilities by up to 0.3 with a text's neighbours.
- The same integers on every CPU: weights are kept to 7 bits (|w| <= 63). AVX2's u8 x s8 dot
  product (vpmaddubsw) adds pairs of products into int16 with saturation; with activations in
  [0, 255] and |w| <= 63 a pair stays <= 32,130 < 32,767, so no CPU saturates and the int32 sums
  are exact everywhere (onnxruntime's quantization guide: "reduce_range").
- Ranges: each tensor's minimum and maximum over the real (unpadded) tokens of CALIBRATION_TEXTS
  training headlines, widened to include 0, asymmetric (uint8 with a zero point), because GELU outputs
  and the layer-norm outputs with BERT's outlier dimensions are lopsided. Not clipped to percentiles:
  the outlier dimensions carry information, and clipping them cost validation macro-F1 (0.8200 with
  the full range; 0.8136 clipped to the 0.01th-99.99th percentile, 0.7908 to the 0.02th-99.98th).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from streamline import drop_unread_initializers

WEIGHT_MAX = 63  # 7-bit weights: see the module docstring
MIN_COLUMNS = 32  # the 3-column classifier head stays fp32: no speed to win, and it sets the label
CALIBRATION_TEXTS = 4096


def _quantized_matmuls(g: onnx.GraphProto) -> Iterable[tuple[onnx.NodeProto, np.ndarray]]:
    """The MatMuls this module rewrites, with their fp32 weights [K, N]."""
    inits = {i.name: i for i in g.initializer}
    for n in g.node:
        if n.op_type != "MatMul" or len(n.input) != 2 or n.input[1] not in inits:
            continue
        w = numpy_helper.to_array(inits[n.input[1]])
        if w.ndim == 2 and w.dtype == np.float32 and w.shape[1] >= MIN_COLUMNS:
            yield n, w


Range = tuple[float, float] | tuple[np.ndarray, np.ndarray]


def activation_ranges(
    model: onnx.ModelProto, batches: Iterable[dict[str, np.ndarray]], mask_input: str = "attention_mask", per_channel: bool = False
) -> dict[str, Range]:
    """Each quantized MatMul's input range (minimum and maximum, widened to include 0) over the real
    tokens of `batches` (the fp32 graph's feeds), by running the fp32 graph with those inputs exposed.
    per_channel: one range per feature (last axis) instead of one per tensor (see quantize_static)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    names = list(dict.fromkeys(n.input[0] for n, _ in _quantized_matmuls(m.graph)))
    for name in names:
        m.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    ranges: dict[str, Range] = {name: (0.0, 0.0) for name in names}
    for feeds in batches:
        real = feeds[mask_input].astype(bool)
        for name, x in zip(names, session.run(names, feeds)):
            # [batch, tokens, features]: the real tokens only; the pooler's [batch, features]: every row.
            x = x[real] if x.ndim == 3 else x
            lo, hi = ranges[name]
            if per_channel:
                ranges[name] = (np.minimum(lo, x.min(axis=0)), np.maximum(hi, x.max(axis=0)))
            else:
                ranges[name] = (min(lo, float(x.min())), max(hi, float(x.max())))
    return ranges


def quantize_static(model: onnx.ModelProto, ranges: dict[str, Range]) -> onnx.ModelProto:
    """Rewrites every MatMul whose second input is a constant [K, N] (N >= MIN_COLUMNS) in place:

        s_x = (hi - lo) / 255, z = round(-lo / s_x)                 per tensor, from `ranges`
        x_q = uint8(clip(round(x / s_x) + z, 0, 255))               QuantizeLinear, once per tensor
        s_w[n] = max_k |W[k, n]| / 63,  W_q = int8(round(W / s_w))  per column, offline
        y = (MatMulInteger(x_q - z, W_q)) * s_x * s_w [+ b]         MatMulIntegerToFloat

    Where `ranges` holds one range per feature k (activation_ranges(per_channel=True)), each feature
    gets its own grid, s_k and z_k, and both leave the integer product:

        x_q[k] = uint8(clip(round(x[k] / s_k + z_k), 0, 255))      Mul, Add, QuantizeLinear(1, 0)
        W'[k, n] = s_k W[k, n], quantized per column as above
        y = MatMulInteger(x_q, W'_q) * s_w + (b - s_w * sum_k z_k W'_q[k, n])

    since sum_k x[k] W[k, n] = sum_k (x_q[k] - z_k) s_k W[k, n]. A base-size encoder needs it:
    all-mpnet-base-v2's layer-norm outputs span -65..58 and its GELU outputs up to 101 in a few
    features, so one grid per tensor leaves the others a handful of steps (validation macro-F1 0.8086
    against 0.8490 in fp32; per feature 0.8490, at 0.91x the speed: training/experiments/2026-12-02-mpnet-int8.md).
    QuantizeLinear's own per-axis form computes the same but ran 5x slower in onnxruntime 1.30.
    """
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)

    def const(name: str, value: np.ndarray) -> str:
        g.initializer.append(numpy_helper.from_array(value, name))
        return name

    targets = {id(n): w for n, w in _quantized_matmuls(g)}
    if not targets:
        raise ValueError("no MatMul with constant weights to quantize")
    quantized: dict[str, tuple[str, str, str]] = {}  # activation -> (uint8 tensor, scale, zero point)
    folded: set[int] = set()  # bias Adds now inside a MatMulIntegerToFloat
    nodes: list[onnx.NodeProto] = []
    for n in g.node:
        w = targets.get(id(n))
        if w is None:
            nodes.append(n)
            continue
        p = f"q8/{len(quantized)}/{n.name or n.output[0]}/"
        x = n.input[0]
        lo, hi = ranges[x]
        per_feature = isinstance(lo, np.ndarray)
        if per_feature:
            s_k = (np.maximum(hi - lo, 1e-6) / 255.0).astype(np.float32)
            z_k = np.clip(np.round(-lo / s_k), 0, 255).astype(np.float32)
        if x not in quantized:
            if per_feature:
                # Scale and shift per feature in float, then one plain rounding to uint8.
                q = (p + "x_q", const(p + "x_scale", np.array(1.0, dtype=np.float32)), const(p + "x_zero", np.array(0, dtype=np.uint8)))
                nodes.append(helper.make_node("Mul", [x, const(p + "x_inv_scale", (1.0 / s_k).astype(np.float32))], [p + "x_scaled"]))
                nodes.append(helper.make_node("Add", [p + "x_scaled", const(p + "x_shift", z_k)], [p + "x_shifted"]))
                nodes.append(helper.make_node("QuantizeLinear", [p + "x_shifted", q[1], q[2]], [q[0]]))
            else:
                s_x = max(hi - lo, 1e-12) / 255.0
                zp = int(np.clip(np.round(-lo / s_x), 0, 255))
                q = (p + "x_q", const(p + "x_scale", np.array(s_x, dtype=np.float32)), const(p + "x_zero", np.array(zp, dtype=np.uint8)))
                nodes.append(helper.make_node("QuantizeLinear", [x, q[1], q[2]], [q[0]]))
            quantized[x] = q
        x_q, x_scale, x_zero = quantized[x]
        w_eff = w.astype(np.float64) * s_k.astype(np.float64)[:, None] if per_feature else w
        s_w = np.maximum(np.abs(w_eff).max(axis=0), 1e-12) / WEIGHT_MAX
        w_q = np.clip(np.round(w_eff / s_w), -WEIGHT_MAX, WEIGHT_MAX).astype(np.int8)
        inputs = [x_q, const(p + "w", w_q), x_scale, const(p + "w_scale", s_w.astype(np.float32))] + ([] if per_feature else [x_zero])
        output = n.output[0]
        users = consumers.get(output, [])
        bias_name = None
        if len(users) == 1 and users[0].op_type == "Add":
            add = users[0]
            other = add.input[1] if add.input[0] == output else add.input[0]
            bias = numpy_helper.to_array(inits[other]) if other in inits else None
            if bias is not None and bias.shape == (w.shape[1],):
                bias_name = other
                output = add.output[0]
                folded.add(id(add))
        if per_feature:
            # The zero points' share of the product, a constant per column, moves into the bias.
            shift = -(s_w * (z_k.astype(np.float64) @ w_q.astype(np.float64)))
            if bias_name is not None:
                shift = shift + numpy_helper.to_array(inits[bias_name]).astype(np.float64)
            inputs += ["", "", const(p + "bias", shift.astype(np.float32))]  # no zero points, then the bias
        elif bias_name is not None:
            inputs += ["", bias_name]  # no weight zero point (symmetric), then the bias
        nodes.append(helper.make_node("MatMulIntegerToFloat", inputs, [output], name=n.name, domain="com.microsoft"))
    nodes = [n for n in nodes if id(n) not in folded]
    del g.node[:]
    g.node.extend(nodes)
    drop_unread_initializers(g)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
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
    drop_unread_initializers(g)
    kept = [o for o in model.opset_import if o.domain != "com.microsoft"]
    del model.opset_import[:]
    model.opset_import.extend(kept)
    return model
