"""Experiment (2026-12-03, issue #4): where should e5's early exit sit, and with which head? Recorded in
2026-12-03-early-exit.md; the shipped recipe is train_transformer.py --exit-layer 5 (early_exit.py).

For each layer 3-7 of the shipped 8-layer e5 graph (before its exit was added), a logistic-regression
head on the mean-pooled layer output (training split), its temperature on validation, and the threshold
by early_exit.choose_threshold's rule. Then the e5 stage alone and the three-stage cascade (gate >= 0.97,
e5 deferring below 0.5907 to mpnet) with the exit, and the estimated cost in MiniLM units.

  git show 8be89cd:scoring/models/e5-sentiment/model.onnx > /tmp/e5-no-exit.onnx
  npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data e5=<e5 dir without exit>
  training/.venv/bin/python training/experiments/2026-12-03-early-exit.py /tmp/e5-no-exit.onnx /tmp/probs.json ../shared/data
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import early_exit  # noqa: E402
from train_common import softmax  # noqa: E402
from train_linear import FEATURE_CONFIGS, build_pipeline, clean_text, served_split  # noqa: E402
from train_transformer import encode, fit_temperature, load_tokenizer  # noqa: E402

LABELS = ["negative", "neutral", "positive"]
GATE, E5_DEFER = 0.97, 0.5907
# MiniLM = 1 per headline: the ONNX gate 1/5.5, e5 (8 layers) 1/0.78, mpnet ~6 per deferred headline.
COST = {"gate": 1 / 5.5, "e5": 1 / 0.78, "mpnet": 6.0}

graph, probs, data = Path(sys.argv[1]).read_bytes(), json.loads(Path(sys.argv[2]).read_text()), Path(sys.argv[3])
ss = served_split(data)
gate = build_pipeline(FEATURE_CONFIGS[-1], 8.0).fit(ss.x_train, ss.y_train)
tok = load_tokenizer(64, Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment")


def feeds(texts: list[str]) -> list[dict[str, np.ndarray]]:
    return [dict(zip(("input_ids", "attention_mask"), encode(tok, texts[i : i + 128]))) for i in range(0, len(texts), 128)]


def f1(y: np.ndarray, p: np.ndarray) -> float:
    return float(f1_score(y, p.argmax(1), average="macro"))


S = {}
for sp in ("validation", "test"):
    texts = [clean_text(t) for t in probs[f"texts.{sp}"]]
    S[sp] = {
        "texts": texts,
        "y": np.array([LABELS.index(x) if isinstance(x, str) else int(x) for x in probs[f"truth.{sp}"]]),
        "gate": gate.predict_proba(texts),
        "e5": np.array(probs[f"e5.{sp}"]),
        "mpnet": np.array(probs[f"mpnet.{sp}"]),
    }
labelled = [t for t, y in zip(ss.x_train, ss.y_train) if y >= 0]
y_train = ss.y_train[ss.y_train >= 0]
features = early_exit.pooled_features(graph, list(range(3, 8)), {"train": feeds(labelled), **{sp: feeds(S[sp]["texts"]) for sp in S}})
for layer in range(3, 8):
    x = features[layer]
    for c in (0.02, 0.05, 0.1):
        sc = StandardScaler().fit(x["train"])
        lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(sc.transform(x["train"]), y_train)
        logits = {sp: lr.decision_function(sc.transform(x[sp])) for sp in S}
        t = fit_temperature(logits["validation"], S["validation"]["y"])
        ex = {sp: softmax(logits[sp], t) for sp in S}
        tau = early_exit.choose_threshold(S["validation"]["y"], ex["validation"], S["validation"]["e5"])
        if tau is None:
            print(f"layer {layer} C={c}: no threshold keeps validation")
            continue
        row = []
        for sp, s in S.items():
            sure = ex[sp].max(1) >= tau
            alone = np.where(sure[:, None], ex[sp], s["e5"])
            g = s["gate"].max(1) >= GATE
            x5 = ~g & sure
            to_mpnet = ~g & ~x5 & (s["e5"].max(1) < E5_DEFER)
            casc = np.where(g[:, None], s["gate"], np.where(x5[:, None], ex[sp], np.where(to_mpnet[:, None], s["mpnet"], s["e5"])))
            e5_work = (1 - g.mean()) * layer / 8 + (1 - g.mean() - x5.mean()) * (8 - layer) / 8
            cost = COST["gate"] + e5_work * COST["e5"] + to_mpnet.mean() * COST["mpnet"]
            row.append(f"{sp}: alone {f1(s['y'], alone):.4f}, exits {sure.mean():.2f}, cascade {f1(s['y'], casc):.4f} at {1 / cost:.2f}x MiniLM")
        print(f"layer {layer} C={c} T={t:.3f} threshold {tau}: " + " | ".join(row))
