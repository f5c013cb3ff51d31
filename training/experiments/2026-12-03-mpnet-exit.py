"""Experiment (2026-12-03, issue #4): an early exit inside the cascade's last stage (mpnet). Same tool as
e5's (early_exit.py): a logistic-regression head on the mean-pooled output of layer L of the shipped int8
graph, fit on the training split, temperature on validation, threshold by early_exit.choose_threshold
against mpnet alone. Then the three-stage cascade with it: which share of the texts mpnet gets exits,
and the cascade's macro-F1 on both splits.

  npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs3.json ../shared/data e5=scoring/models/e5-sentiment gate=scoring/models/linear-gate
  mkdir -p /tmp/mpnet-before && git archive e3e1bdb scoring/models/mpnet-sentiment | tar -x -C /tmp/mpnet-before
  training/.venv/bin/python training/experiments/2026-12-03-mpnet-exit.py /tmp/probs3.json ../shared/data \
    /tmp/mpnet-before/scoring/models/mpnet-sentiment [E5_DEFER]

The mpnet directory is the one from before its exit was shipped (the features need a graph without one).

With e5's two exits (after 2026-12-03-second-exit.md) the probabilities come from that e5 and E5_DEFER is 0.596;
the heads are then also the mean logit of five seeds' MLPs (early_exit.fit_head "mlp").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import early_exit  # noqa: E402
from train_common import softmax  # noqa: E402
from train_linear import clean_text, served_split  # noqa: E402
from train_transformer import encode, fit_temperature, load_tokenizer  # noqa: E402

LABELS = ["negative", "neutral", "positive"]
# The cascade's thresholds (scoring/models/cascade-sentiment/manifest.json): e5 defers below E5_DEFER.
GATE = 0.97
E5_DEFER = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5907
LAYERS = [3, 4, 6, 8]

probs, data, mpnet = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]), Path(sys.argv[3])
ss = served_split(data)
tok = load_tokenizer(64, mpnet)


def feeds(texts: list[str]) -> list[dict[str, np.ndarray]]:
    return [dict(zip(("input_ids", "attention_mask"), encode(tok, texts[i : i + 64]))) for i in range(0, len(texts), 64)]


def f1(y: np.ndarray, p: np.ndarray) -> float:
    return float(f1_score(y, p.argmax(1), average="macro"))


labelled = [t for t, y in zip(ss.x_train, ss.y_train) if y >= 0]
y_train = ss.y_train[ss.y_train >= 0]
groups = {"train": feeds(labelled), **{sp: feeds([clean_text(t) for t in probs[f"texts.{sp}"]]) for sp in ("validation", "test")}}
features = early_exit.pooled_features(onnx.load(str(mpnet / "model.onnx")).SerializeToString(), LAYERS, groups)
x_train = [features[layer]["train"] for layer in LAYERS]
S = {}
for sp in ("validation", "test"):
    S[sp] = {
        "y": np.array([LABELS.index(x) if isinstance(x, str) else int(x) for x in probs[f"truth.{sp}"]]),
        "gate": np.array(probs[f"gate.{sp}"]),
        "e5": np.array(probs[f"e5.{sp}"]),
        "mpnet": np.array(probs[f"mpnet.{sp}"]),
        "x": [features[layer][sp] for layer in LAYERS],
    }
for sp, s in S.items():
    g = s["gate"].max(1) >= GATE
    to_mpnet = ~g & (s["e5"].max(1) < E5_DEFER)
    casc = np.where(g[:, None], s["gate"], np.where(to_mpnet[:, None], s["mpnet"], s["e5"]))
    print(f"{sp}: cascade as shipped {f1(s['y'], casc):.4f}, mpnet gets {to_mpnet.sum()} texts ({to_mpnet.mean():.3f}); mpnet alone {f1(s['y'], s['mpnet']):.4f}")
for k, layer in enumerate(LAYERS):
    for c in ("mlp", 0.02, 0.05):
        sc = StandardScaler().fit(x_train[k])
        if c == "mlp":
            logits = {sp: 0.0 for sp in S}
            for seed in range(5):
                mlp = MLPClassifier(hidden_layer_sizes=(128,), alpha=1.0, max_iter=300, early_stopping=True, random_state=seed).fit(sc.transform(x_train[k]), y_train)
                for sp in S:
                    hidden = np.maximum(sc.transform(S[sp]["x"][k]) @ mlp.coefs_[0] + mlp.intercepts_[0], 0)
                    logits[sp] = logits[sp] + (hidden @ mlp.coefs_[1] + mlp.intercepts_[1]) / 5
        else:
            lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(sc.transform(x_train[k]), y_train)
            logits = {sp: lr.decision_function(sc.transform(S[sp]["x"][k])) for sp in S}
        t = fit_temperature(logits["validation"], S["validation"]["y"])
        ex = {sp: softmax(logits[sp], t) for sp in S}
        tau = early_exit.choose_threshold(S["validation"]["y"], ex["validation"], S["validation"]["mpnet"])
        for thr in sorted({tau or 0.98, 0.8, 0.9, 0.95}):
            row = []
            for sp, s in S.items():
                sure = ex[sp].max(1) >= thr
                alone = np.where(sure[:, None], ex[sp], s["mpnet"])
                g = s["gate"].max(1) >= GATE
                to_mpnet = ~g & (s["e5"].max(1) < E5_DEFER)
                mp = np.where(sure[:, None], ex[sp], s["mpnet"])
                casc = np.where(g[:, None], s["gate"], np.where(to_mpnet[:, None], mp, s["e5"]))
                row.append(f"{sp}: alone {f1(s['y'], alone):.4f} exits {sure.mean():.2f}, of mpnet's {sure[to_mpnet].mean():.2f}, cascade {f1(s['y'], casc):.4f}")
            print(f"layer {layer} C={c} T={t:.3f} thr {thr}{' (rule)' if thr == tau else ''}: " + " | ".join(row), flush=True)
