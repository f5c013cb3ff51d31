"""Experiment (2026-12-03, session 21, issue #4): would e5's exit after layer 3 answer more texts with richer
features than the mean of the layer's outputs? Recorded in 2026-12-03-e5-from-shipped.md, section 4.

The exit-3 head (five one-hidden-layer MLPs, early_exit.fit_head "mlp") is fit on the training split's features
from the shipped e5's int8 graph without exits, four ways:
- mean: the shipped head's input;
- mean + max: the mean and the per-feature maximum over real tokens (768 features);
- mean of layers 2 and 3, side by side;
- mean + the first token's state ([CLS]).
Each is then held to the packaging rule (early_exit.choose_threshold) against the shipped graph with its exit 3
off (its exit 5 on). Validation only: the share the exit answers, e5's macro-F1, and the cascade's
(2026-12-03-aux-exits.py's composition: gate 0.97, 5 % to mpnet's layer-6 exit) with its estimated cost.

  training/.venv/bin/python training/experiments/2026-12-03-exit-pooling.py /tmp/probs6.json /tmp/mpnet-exit.json E5_WITHOUT_EXITS_DIR
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import early_exit  # noqa: E402
from probe_common import GATE, cascade_on, patched_exits  # noqa: E402
from train_linear import clean_text, served_split  # noqa: E402
from train_transformer import encode, fit_temperature, load_tokenizer, onnx_proba  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment"
probs, mpnet, plain = json.loads(Path(sys.argv[1]).read_text()), json.loads(Path(sys.argv[2]).read_text()), Path(sys.argv[3])
ss = served_split(Path(__file__).resolve().parents[3] / "shared" / "data")
tok = load_tokenizer(64, plain)
x_train = [t for t, y in zip(ss.x_train, ss.y_train) if y >= 0]
y_train = ss.y_train[ss.y_train >= 0]
x_val = [clean_text(t) for t in probs["texts.validation"]]
y_val, gate, m6 = np.array(probs["truth.validation"]), np.array(probs["gate.validation"]), np.array(mpnet["x6.validation"])

# Per-token outputs of layers 2 and 3 from the graph without exits.
m = onnx.load(str(plain / "model.onnx"))
cuts = [early_exit.cut_tensor(m, k) for k in (2, 3)]
for c in cuts:
    m.graph.output.append(helper.make_tensor_value_info(c, TensorProto.FLOAT, None))
so = ort.SessionOptions()
so.intra_op_num_threads = 2
session = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])


def features(texts: list[str]) -> dict[str, np.ndarray]:
    out: dict[str, list[np.ndarray]] = {"mean": [], "max": [], "mean2": [], "cls": []}
    for i in range(0, len(texts), 64):
        ids, mask = encode(tok, texts[i : i + 64])
        h2, h3 = session.run(cuts, {"input_ids": ids, "attention_mask": mask})
        w = mask[..., None].astype(np.float32)
        n = np.maximum(w.sum(1), 1.0)
        out["mean"].append((h3 * w).sum(1) / n)
        out["mean2"].append((h2 * w).sum(1) / n)
        out["max"].append(np.where(w > 0, h3, -np.inf).max(1))
        out["cls"].append(h3[:, 0])
    return {k: np.concatenate(v) for k, v in out.items()}


ftr, fva = features(x_train), features(x_val)
variants = {
    "mean (shipped)": lambda f: f["mean"],
    "mean + max": lambda f: np.concatenate([f["mean"], f["max"]], 1),
    "mean of layers 2 and 3": lambda f: np.concatenate([f["mean2"], f["mean"]], 1),
    "mean + [CLS]": lambda f: np.concatenate([f["mean"], f["cls"]], 1),
}
base = onnx.load(str(SHIPPED / "model.onnx"))
t5 = next(e["threshold"] for e in json.loads((SHIPPED / "manifest.json").read_text())["earlyExits"] if e["layer"] == 5)
no_exit3 = onnx_proba(patched_exits(base, 2.0, t5), tok, x_val)  # what the rows exit 3 passes on get
x5 = onnx_proba(patched_exits(base, 2.0, 0.0), tok, x_val)
rest = gate.max(1) < GATE
f1 = lambda p: f1_score(y_val, p, average="macro")  # noqa: E731
print(f"e5 without exit 3: {f1(no_exit3.argmax(1)):.4f}")
for name, pick in variants.items():
    head = early_exit.fit_head(pick(ftr), y_train, pick(fva), y_val, fit_temperature, "mlp")
    p3 = head.proba(pick(fva))
    t3 = early_exit.choose_threshold(y_val, p3, no_exit3)
    if t3 is None:
        print(f"{name}: no threshold keeps validation")
        continue
    sure3 = p3.max(1) >= t3
    served = np.where(sure3[:, None], p3, no_exit3)
    layers = np.where(sure3, 3, np.where(x5.max(1) >= t5, 5, 8))
    cascade, cost = cascade_on(y_val, gate, served, layers, m6)
    print(
        f"{name}: exit 3 alone {f1(p3.argmax(1)):.4f}; threshold {t3}, answers {100 * sure3.mean():.1f} %; e5 {f1(served.argmax(1)):.4f}; "
        f"{layers[rest].mean():.2f} layers per gate-passed text; cascade {cascade:.4f}; est. {cost:.3f} ms per text"
    )
