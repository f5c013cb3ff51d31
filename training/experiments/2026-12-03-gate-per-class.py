"""Experiment (2026-12-03, issue #4): does a per-class gate threshold let the linear gate answer more
headlines at the same validation macro-F1? The cascade's gate answers a text when its top probability
reaches one threshold (0.94 shipped); here the threshold depends on the class the gate predicts.

  npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data e5=scoring/models/e5-sentiment
  training/.venv/bin/python training/experiments/2026-12-03-gate-per-class.py /tmp/probs.json ../shared/data

Cost units per headline, MiniLM = 1, from the interleaved `npm run bench` of 2026-12-03 at batch 128:
linear 1/5.9, e5 1/0.53, mpnet 1/0.19.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_linear import FEATURE_CONFIGS, build_pipeline, clean_text, served_split  # noqa: E402

LABELS = ["negative", "neutral", "positive"]
COST = {"linear": 1 / 5.9, "e5": 1 / 0.53, "mpnet": 1 / 0.19}
SHARE = 0.05

d = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
ss = served_split(Path(sys.argv[2]))
gate = build_pipeline(FEATURE_CONFIGS[-1], 8.0).fit(ss.x_train, ss.y_train)


def truth(split: str) -> np.ndarray:
    return np.array([LABELS.index(x) if isinstance(x, str) else int(x) for x in d[f"truth.{split}"]])


S = {}
for split in ("validation", "test"):
    S[split] = {
        "y": truth(split),
        "gate": gate.predict_proba([clean_text(t) for t in d[f"texts.{split}"]]),
        "e5": np.array(d[f"e5.{split}"]),
        "mpnet": np.array(d[f"mpnet.{split}"]),
    }
# e5's threshold: its top probability below which SHARE of all validation headlines fall (as npm run cascade).
e5_threshold = float(np.sort(S["validation"]["e5"].max(1))[int(round(SHARE * len(S["validation"]["y"])))])


def run(split: str, thresholds: tuple[float, float, float]) -> tuple[float, float, float, float]:
    s = S[split]
    g = s["gate"]
    answered = g.max(1) >= np.array(thresholds)[g.argmax(1)]
    to_mpnet = ~answered & (s["e5"].max(1) < e5_threshold)
    p = np.where(answered[:, None], g, np.where(to_mpnet[:, None], s["mpnet"], s["e5"]))
    f1 = float(f1_score(s["y"], p.argmax(1), average="macro"))
    cost = COST["linear"] + (1 - answered.mean()) * COST["e5"] + to_mpnet.mean() * COST["mpnet"]
    return f1, float(answered.mean()), float(to_mpnet.mean()), 1 / cost


GRID = [0.80, 0.85, 0.88, 0.90, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 1.01]
rows = []
for t in itertools.product(GRID, repeat=3):
    v = run("validation", t)
    rows.append((t, v))
print(f"e5 threshold {e5_threshold:.4f}")
print("one threshold for all classes:")
for x in GRID[:-1]:
    v, te = run("validation", (x, x, x)), run("test", (x, x, x))
    print(f"  {x:.2f}: validation {v[0]:.4f} answered {v[1]:.3f} to mpnet {v[2]:.3f} x MiniLM {v[3]:.2f} | test {te[0]:.4f} answered {te[1]:.3f} x {te[3]:.2f}")
best = max(v[0] for _, v in rows)
print(f"per class (negative, neutral, positive), validation within 0.002 of the best ({best:.4f}), fastest first:")
near = sorted([r for r in rows if r[1][0] >= best - 0.002], key=lambda r: -r[1][3])[:15]
for t, v in near:
    te = run("test", t)
    print(f"  {t}: validation {v[0]:.4f} answered {v[1]:.3f} x MiniLM {v[3]:.2f} | test {te[0]:.4f} answered {te[1]:.3f} x {te[3]:.2f}")
print("per class, by speed bands: the most accurate on validation at each speed")
for lo in (0.60, 0.65, 0.70, 0.75, 0.80, 0.85):
    band = [r for r in rows if r[1][3] >= lo]
    if not band:
        continue
    t, v = max(band, key=lambda r: (r[1][0], r[1][3]))
    te = run("test", t)
    print(f"  >= {lo:.2f}x: {t}: validation {v[0]:.4f} answered {v[1]:.3f} x {v[3]:.2f} | test {te[0]:.4f} answered {te[1]:.3f}")
