"""Early exits inside a served int8 encoder graph: after its first `layer` layers, a small head on
the mean-pooled hidden states answers the rows it is sure of, and only the other rows run the
remaining layers. Used by train_transformer.py's packaging step (--exit LAYER:HEAD); the e5 stage of the
cascade ships with two, after layers 3 and 5 (training/experiments/2026-12-03-early-exit.md and
2026-12-03-second-exit.md).

Why inside the graph: the serving code stays one session per model, and a row's result depends on that
row alone (every added op is per row), so batch-equals-one-by-one and the parity fixtures still hold.

    h      = output of layer `layer` (its last LayerNorm), [B, T, H]
    pooled = sum_t(h * mask) / max(1, sum_t(mask))                   as the model's own pooling
    p      = softmax(head((pooled - mu) / sigma) / T_exit)             standardisation folded into the head
    head   = linear: x @ W^T + b (logistic regression)
             mlp:    mean over 5 seeds of relu(x @ W1_s + b1_s) @ W2_s + b2_s, as one wider layer
    rest   = the rows whose max(p) < threshold                         NonZero: [B'] indexes
    the remaining layers run on Gather(rest) of h and of the mask tensors they read;
    probabilities = ScatterND(p, rest, their output)

Why a head on frozen features: the full model's weights, figures and parity stay what they were for
the rows that go on; the head is fit in seconds on the training split's features, its temperature and
threshold on validation.

Several exits: add the deepest first (add_exit refuses otherwise). A shallower exit's surgery takes
everything after its cut as its tail, the deeper exit's nodes included, so each exit sees only the rows
the ones before it kept. Each exit's nodes are named exit{layer}/.

Why an MLP head for a shallow exit: layer 3's features are not linearly separable enough. A logistic
regression there answers few texts at a threshold the rule accepts (the cascade estimated at 0.79x
MiniLM's speed); the mean logit of five one-hidden-layer MLPs (128 ReLU units, alpha 1, seeds 0-4: one
seed alone moved the rule's pick by up to 0.08) answers far more at 0.90 (estimated 0.89x), at the same
validation macro-F1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import streamline

# Thresholds tried, lowest first; the rule (choose_threshold) takes the first that costs no validation
# macro-F1, so a coarse grid keeps it from fitting the split's noise.
THRESHOLDS = [round(0.80 + 0.02 * i, 2) for i in range(10)]
RULE = f"the lowest threshold of {THRESHOLDS[0]:.2f}, {THRESHOLDS[1]:.2f}, ..., {THRESHOLDS[-1]:.2f} at which validation macro-F1 is no lower than without the exit"
HEAD_C = 0.02  # the logistic regression's inverse regularisation (0.02 / 0.05 / 0.1 measured: the experiment note)
HEADS = ("linear", "mlp")
MLP_HIDDEN, MLP_ALPHA, MLP_SEEDS = 128, 1.0, 5
HEAD_WORDS = {
    "linear": f"logistic regression (C = {HEAD_C}, balanced classes)",
    "mlp": f"mean logit of {MLP_SEEDS} one-hidden-layer MLPs ({MLP_HIDDEN} ReLU units, alpha {MLP_ALPHA}, seeds 0-{MLP_SEEDS - 1})",
}
_EXIT_NAME = re.compile(r"^exit(\d+)/")


def prefix(layer: int) -> str:
    return f"exit{layer}/"


def exit_layers(model: onnx.ModelProto) -> list[int]:
    """The layers after which the graph already has an exit."""
    return sorted({int(m.group(1)) for n in model.graph.node if (m := _EXIT_NAME.match(n.name))})


def cut_tensor(model: onnx.ModelProto, layer: int) -> str:
    """The output of encoder layer `layer` (1-based): the LayerNormalization that ends it."""
    want = f"layer.{layer - 1}/output/LayerNorm"
    names = [n.output[0] for n in model.graph.node if n.op_type == "LayerNormalization" and want in n.name]
    if len(names) != 1:
        raise ValueError(f"no single LayerNormalization named like {want!r} in the graph (found {len(names)})")
    return names[0]


def answer_graph(model: onnx.ModelProto, layer: int, output: str) -> onnx.ModelProto:
    """The graph of the encoder up to the exit after `layer` and that exit's head alone, its probabilities
    as `output`: every row is answered there, at any threshold. A cascade's last stage serves it where the
    exit is as accurate as the full model on the texts that reach it (2026-12-03-gate-band.md). The nodes
    and weights are the full graph's own, so a row the full graph answers at this exit gets the same
    probabilities. Initializers are left as they are: cut from a packaged model.onnx loaded without its
    external data, the graph reads the same weights files, beside it. Only the shallowest exit can be cut
    out this way (a deeper one sees only the rows the shallower ones passed on)."""
    layers = exit_layers(model)
    if layer not in layers:
        raise ValueError(f"the graph has no exit after layer {layer} (exits: {layers})")
    if layers[0] != layer:
        raise ValueError(f"the exit after layer {layer} is behind the one after layer {layers[0]}: only the shallowest exit answers every row")
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    proba = prefix(layer) + "proba"
    kept = [n for n in g.node if output not in n.output]
    kept.append(helper.make_node("Identity", [proba], [output], name=prefix(layer) + "answer"))
    del g.node[:]
    g.node.extend(kept)
    if [o.name for o in g.output] != [output]:
        raise ValueError(f"the graph's outputs are {[o.name for o in g.output]}, expected [{output!r}]")
    # No onnx.checker here: it looks for external weights relative to the working directory. The caller
    # checks the cut graph against the full one in onnxruntime (train_transformer.write_answer_graph).
    streamline.prune(g)
    return m


def has_exit(model: onnx.ModelProto) -> bool:
    return bool(exit_layers(model))


def pooled_features(model_bytes: bytes, layers: list[int], groups: dict[str, list[dict[str, np.ndarray]]], threads: int = 2) -> dict[int, dict[str, np.ndarray]]:
    """Mean-pooled hidden states after each of `layers`, of each group's feeds, row by row, from the int8
    graph itself (the features an exit head sees when served); one session and one pass for all."""
    m = onnx.load_from_string(model_bytes)
    if has_exit(m):
        raise ValueError("the graph already has an early exit")
    names = [cut_tensor(m, layer) for layer in layers]
    for name in names:
        m.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    session = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    out: dict[int, dict[str, list[np.ndarray]]] = {layer: {group: [] for group in groups} for layer in layers}
    for group, feeds in groups.items():
        for f in feeds:
            mask = f["attention_mask"][..., None].astype(np.float32)
            for layer, h in zip(layers, session.run(names, f)):
                out[layer][group].append((h * mask).sum(1) / np.maximum(mask.sum(1), 1.0))
    return {layer: {group: np.concatenate(rows) for group, rows in by_group.items()} for layer, by_group in out.items()}


@dataclass
class ExitHead:
    weight: np.ndarray  # [3, H] (linear) or [3, K] (the MLP's output layer); 1 / temperature folded in
    bias: np.ndarray  # [3]
    temperature: float
    kind: str = "linear"
    # The MLP's hidden layer, [H, K] and [K], standardisation folded in; None for a linear head.
    hidden: tuple[np.ndarray, np.ndarray] | None = None

    def proba(self, pooled: np.ndarray) -> np.ndarray:
        x = pooled if self.hidden is None else np.maximum(pooled @ self.hidden[0] + self.hidden[1], 0)
        z = x @ self.weight.T + self.bias
        z -= z.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)


def fit_head(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, fit_temperature, kind: str = "linear") -> ExitHead:
    """A head on standardised features (training split), then a temperature on validation, everything
    folded into the head's own layers. linear: balanced logistic regression. mlp: MLP_SEEDS MLPs whose
    hidden layers are concatenated and whose output layers are averaged (the mean of their logits)."""
    scaler = StandardScaler().fit(x_train)
    xs = scaler.transform(x_train)
    if kind == "linear":
        lr = LogisticRegression(C=HEAD_C, max_iter=3000, class_weight="balanced").fit(xs, y_train)
        w = lr.coef_ / scaler.scale_  # [3, H]
        b = lr.intercept_ - w @ scaler.mean_
        t = float(fit_temperature(x_val @ w.T + b, y_val))
        return ExitHead(weight=(w / t).astype(np.float32), bias=(b / t).astype(np.float32), temperature=t)
    if kind != "mlp":
        raise ValueError(f"unknown exit head {kind!r} (one of {', '.join(HEADS)})")
    w1, b1, w2, b2 = [], [], [], []
    for seed in range(MLP_SEEDS):
        mlp = MLPClassifier(hidden_layer_sizes=(MLP_HIDDEN,), alpha=MLP_ALPHA, max_iter=300, early_stopping=True, random_state=seed).fit(xs, y_train)
        w1.append(mlp.coefs_[0] / scaler.scale_[:, None])  # [H, K]
        b1.append(mlp.intercepts_[0] - (scaler.mean_ / scaler.scale_) @ mlp.coefs_[0])
        w2.append(mlp.coefs_[1] / MLP_SEEDS)  # [K, 3]
        b2.append(mlp.intercepts_[1] / MLP_SEEDS)
    hidden = (np.concatenate(w1, 1).astype(np.float32), np.concatenate(b1).astype(np.float32))
    w, b = np.concatenate(w2).T, np.sum(b2, 0)  # [3, 5K], [3]
    t = float(fit_temperature(np.maximum(x_val @ hidden[0] + hidden[1], 0) @ w.T + b, y_val))
    return ExitHead(weight=(w / t).astype(np.float32), bias=(b / t).astype(np.float32), temperature=t, kind="mlp", hidden=hidden)


def choose_threshold(y_val: np.ndarray, exit_proba: np.ndarray, full_proba: np.ndarray) -> float | None:
    """The lowest threshold in THRESHOLDS at which answering the sure rows from the exit leaves
    validation macro-F1 no lower than the full model's; None if none does."""
    base = f1_score(y_val, full_proba.argmax(1), average="macro")
    for t in THRESHOLDS:
        sure = exit_proba.max(1) >= t
        if f1_score(y_val, np.where(sure[:, None], exit_proba, full_proba).argmax(1), average="macro") >= base:
            return t
    return None


def add_exit(model_bytes: bytes, layer: int, head: ExitHead, threshold: float, output: str, mask_input: str = "attention_mask") -> bytes:
    m = onnx.load_from_string(model_bytes)
    deeper = exit_layers(m)
    if any(x <= layer for x in deeper):
        raise ValueError(f"the graph has exits after layers {deeper}: add exits deepest first, each once")
    g = m.graph
    cut = cut_tensor(m, layer)
    pre = prefix(layer)
    inits = {i.name for i in g.initializer}
    consts = {n.output[0] for n in g.node if n.op_type == "Constant"}
    cut_at = next(i for i, n in enumerate(g.node) if cut in n.output)
    # The tail: every node downstream of the cut, in graph order.
    down, tail, head_nodes = {cut}, [], []
    for n in g.node[cut_at + 1 :]:
        if any(i in down for i in n.input):
            down.update(n.output)
            tail.append(n)
    tail_ids = {id(n) for n in tail}
    before = [n for n in g.node if id(n) not in tail_ids]
    if output not in down:
        raise ValueError(f"output {output!r} does not depend on layer {layer}")
    # What the tail reads from before the cut, per row: the cut itself and the mask tensors.
    outside = [cut] + sorted({i for n in tail for i in n.input if i and i not in down and i not in inits and i not in consts})

    def const(name: str, value: np.ndarray) -> str:
        g.initializer.append(numpy_helper.from_array(value, pre + name))
        return pre + name

    def node(op: str, inputs: list[str], name: str, **attrs) -> str:
        head_nodes.append(helper.make_node(op, inputs, [pre + name], name=pre + name, **attrs))
        return pre + name

    axis1 = const("axis1", np.array([1], dtype=np.int64))
    mask = node("Cast", [node("Unsqueeze", [mask_input, const("axis_last", np.array([-1], dtype=np.int64))], "mask3")], "maskf", to=TensorProto.FLOAT)
    summed = node("ReduceSum", [node("Mul", [cut, mask], "masked"), axis1], "summed", keepdims=0)
    count = node("Clip", [node("ReduceSum", [mask, axis1], "count_raw", keepdims=0), const("one", np.array(1.0, dtype=np.float32))], "count")
    pooled = node("Div", [summed, count], "pooled")
    x = pooled
    if head.hidden is not None:
        x = node("Relu", [node("Add", [node("MatMul", [pooled, const("hidden_weight", head.hidden[0])], "hidden_matmul"), const("hidden_bias", head.hidden[1])], "hidden_pre")], "hidden")
    logits = node("Add", [node("MatMul", [x, const("weight", np.ascontiguousarray(head.weight.T))], "matmul"), const("bias", head.bias)], "logits")
    proba = node("Softmax", [logits], "proba", axis=-1)
    top = node("ReduceMax", [proba], "top", axes=[1], keepdims=0)
    unsure = node("Less", [top, const("threshold", np.array(threshold, dtype=np.float32))], "unsure")
    rest = node("Squeeze", [node("NonZero", [unsure], "nonzero"), const("axis0", np.array([0], dtype=np.int64))], "rest")
    gathered = {x: node("Gather", [x, rest], f"rest/{x.strip('/').replace('/', '.')}", axis=0) for x in outside}
    # The later layers may see zero rows (every row of a run exited), and a reshape cannot infer a -1 from
    # zero elements: their targets must be constants (streamline.static_reshapes, run by packaging).
    producer = {o: n for n in g.node for o in n.output}
    consts = streamline.constant_tensors(g)
    for n in tail:
        target = producer.get(n.input[1]) if n.op_type == "Reshape" else None
        if target is not None and target.op_type == "Concat" and any(streamline.is_minus_one(consts.get(i)) for i in target.input):
            raise ValueError(f"{n.name} reshapes to a -1 after layer {layer}: pass the graph through streamline.static_reshapes first")
    for n in tail:
        for j, i in enumerate(n.input):
            if i in gathered:
                n.input[j] = gathered[i]
    rest_proba = pre + "rest_probabilities"
    for n in tail:
        for j, o in enumerate(n.output):
            if o == output:
                n.output[j] = rest_proba
    scatter = helper.make_node("ScatterND", [proba, node("Unsqueeze", [rest, axis1], "rest_index"), rest_proba], [output], name=pre + "scatter")
    nodes = before + head_nodes + tail + [scatter]
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    return m.SerializeToString()
