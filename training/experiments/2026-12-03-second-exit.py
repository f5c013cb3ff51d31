"""Experiment (2026-12-03, issue #4): a second, shallower exit in e5, with which head? Recorded in
2026-12-03-second-exit.md; the shipped recipe is train_transformer.py --exit 5:linear --exit 3:mlp.

Mean-pooled outputs of layers 2-5 of the e5 graph without exits, for the training split (labelled rows,
Surge half included) and both held-out splits. The layer-5 head is the shipped one (logistic regression,
threshold 0.90). A head at layer 2, 3 or 4 is a logistic regression, one MLP per seed, or the mean logit of
five seeds' MLPs; its threshold by early_exit.choose_threshold's rule against e5 with the layer-5 exit.
Then e5 alone and the three-stage cascade (gate >= 0.97, e5 deferring below 0.5907 to mpnet), with the
cost in MiniLM units estimated as in 2026-12-03-early-exit.py (e5 per layer from the bench's stage times).

  git show 8be89cd:scoring/models/e5-sentiment/model.onnx > /tmp/e5-no-exit.onnx
  npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs3.json ../shared/data e5=<e5 dir with the layer-5 exit> gate=scoring/models/linear-gate
  training/.venv/bin/python training/experiments/2026-12-03-second-exit.py /tmp/e5-no-exit.onnx /tmp/probs3.json ../shared/data
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import early_exit  # noqa: E402
from train_common import softmax  # noqa: E402
from train_linear import clean_text, served_split  # noqa: E402
from train_transformer import encode, fit_temperature, load_tokenizer, onnx_proba  # noqa: E402

LABELS = ["negative", "neutral", "positive"]
LAYERS = [2, 3, 4, 5]
GATE, E5_DEFER = 0.97, 0.5907
# MiniLM = 1 per headline, from the stage times of one batch of 128 (gate 16, e5 237, mpnet 90 ms; MiniLM 264).
COST_GATE, COST_LAYER, COST_MPNET = 0.06, 1.2 / 6.86, 7.3

graph, probs, data = sys.argv[1], json.loads(Path(sys.argv[2]).read_text()), Path(sys.argv[3])
ss = served_split(data)
tok = load_tokenizer(64, Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment")
so = ort.SessionOptions()
so.intra_op_num_threads = 2
session = ort.InferenceSession(graph, so, providers=["CPUExecutionProvider"])


def feeds(texts: list[str]) -> list[dict[str, np.ndarray]]:
    return [dict(zip(("input_ids", "attention_mask"), encode(tok, texts[i : i + 128]))) for i in range(0, len(texts), 128)]


def f1(y: np.ndarray, p: np.ndarray) -> float:
    return float(f1_score(y, p.argmax(1), average="macro"))


labelled = [t for t, y in zip(ss.x_train, ss.y_train) if y >= 0]
y_train = ss.y_train[ss.y_train >= 0]
texts = {sp: [clean_text(t) for t in probs[f"texts.{sp}"]] for sp in ("validation", "test")}
pooled = early_exit.pooled_features(Path(graph).read_bytes(), LAYERS, {"train": feeds(labelled), **{sp: feeds(t) for sp, t in texts.items()}})
x_train = [pooled[layer]["train"] for layer in LAYERS]
S = {}
for sp in ("validation", "test"):
    S[sp] = {
        "y": np.array([LABELS.index(v) if isinstance(v, str) else int(v) for v in probs[f"truth.{sp}"]]),
        "gate": np.array(probs[f"gate.{sp}"]),
        "mpnet": np.array(probs[f"mpnet.{sp}"]),
        "full": onnx_proba(session, tok, texts[sp]),
        "x": [pooled[layer][sp] for layer in LAYERS],
    }


def head(k: int, kind: str, seeds: list[int] | None = None) -> dict[str, np.ndarray]:
    sc = StandardScaler().fit(x_train[k])
    xs = sc.transform(x_train[k])
    if kind == "lr":
        lr = LogisticRegression(C=early_exit.HEAD_C, max_iter=3000, class_weight="balanced").fit(xs, y_train)
        logits = {sp: lr.decision_function(sc.transform(S[sp]["x"][k])) for sp in S}
    else:
        logits = {sp: 0.0 for sp in S}
        for seed in seeds or [0]:
            mlp = MLPClassifier(hidden_layer_sizes=(128,), alpha=1.0, max_iter=300, early_stopping=True, random_state=seed).fit(xs, y_train)
            for sp in S:
                hidden = np.maximum(sc.transform(S[sp]["x"][k]) @ mlp.coefs_[0] + mlp.intercepts_[0], 0)
                logits[sp] = logits[sp] + (hidden @ mlp.coefs_[1] + mlp.intercepts_[1]) / len(seeds or [0])
    t = fit_temperature(logits["validation"], S["validation"]["y"])
    return {sp: softmax(logits[sp], t) for sp in S}


def e5_alone(sp: str, exits) -> np.ndarray:
    s = S[sp]
    out, done = s["full"].copy(), np.zeros(len(s["y"]), dtype=bool)
    for _, p, thr in exits:
        sure = ~done & (p[sp].max(1) >= thr)
        out[sure], done = p[sp][sure], done | sure
    return out


def cascade(sp: str, exits) -> tuple[float, float]:
    s = S[sp]
    out, layers = s["full"].copy(), np.full(len(s["y"]), 8.0)
    done = s["gate"].max(1) >= GATE
    out[done], layers[done] = s["gate"][done], 0
    for layer, p, thr in exits:
        sure = ~done & (p[sp].max(1) >= thr)
        out[sure], layers[sure], done = p[sp][sure], layer, done | sure
    to_mpnet = ~done & (s["full"].max(1) < E5_DEFER)
    out[to_mpnet] = s["mpnet"][to_mpnet]
    return f1(s["y"], out), 1 / (COST_GATE + layers.mean() * COST_LAYER + to_mpnet.mean() * COST_MPNET)


exit5 = (5, head(3, "lr"), 0.90)
base = f1(S["validation"]["y"], S["validation"]["full"])


def report(name: str, layer: int, p: dict[str, np.ndarray]) -> None:
    rule = next((t for t in early_exit.THRESHOLDS if f1(S["validation"]["y"], e5_alone("validation", [(layer, p, t), exit5])) >= base), None)
    for thr in sorted({0.90, 0.94, rule or 0.98}):
        ex = [(layer, p, thr), exit5]
        (cv, sv), (ct, _) = cascade("validation", ex), cascade("test", ex)
        alone = [f1(S[sp]["y"], e5_alone(sp, ex)) for sp in S]
        print(f"{name:28s} thr {thr}{'*' if thr == rule else ' '} e5 alone {alone[0]:.4f} / {alone[1]:.4f}  cascade {cv:.4f} / {ct:.4f}  est. {sv:.3f}x MiniLM", flush=True)


for sp in S:
    f, s = cascade(sp, [exit5])
    print(f"{sp}: layer-5 exit only (shipped before): cascade {f:.4f}, est. {s:.3f}x MiniLM")
for k, layer in enumerate(LAYERS[:3]):
    report(f"L{layer} logistic regression", layer, head(k, "lr"))
    for seed in range(3):
        report(f"L{layer} MLP seed {seed}", layer, head(k, "mlp", [seed]))
    report(f"L{layer} MLP, 5 seeds' mean logit", layer, head(k, "mlp", list(range(5))))
