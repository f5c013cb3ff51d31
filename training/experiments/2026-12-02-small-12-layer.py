"""Experiment (2026-12-02, issue #4): 12-layer, 384-wide encoders from Maven Central (bge-small-en-v1.5,
e5-small-v2) as single models, as a cascade's first stage, and behind a linear gate. Recorded in
2026-12-02-small-12-layer.md; not part of the recipe.

  HF_HUB_OFFLINE=1 training/.venv/bin/python training/train_transformer.py --base e5 --layers 12 --pooling mean \
    --epochs 4 --lr 5e-5 --model-dir /tmp/out-e5 --work-dir /tmp/work-e5 --no-fixture --version e5-probe
  (the same with --base bge)
  npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data bge=/tmp/out-bge e5=/tmp/out-e5
  training/.venv/bin/python training/experiments/2026-12-02-small-12-layer.py /tmp/probs.json ../shared/data

Costs per item, for the estimates, in ms on the AMX Xeon: MiniLM 1.022 and linear 0.259 (the recorded
`npm run bench` run, 978 and 3,859 items/s), mpnet 6.07 per deferred text (the cascade's 433 items/s
at 21.2 % deferred, less MiniLM), a 12-layer small encoder MiniLM's / 0.54 (interleaved Python rounds).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_linear import FEATURE_CONFIGS, build_pipeline, served_split  # noqa: E402

LABELS = ["negative", "neutral", "positive"]
COST_MS = {"linear": 0.259, "minilm": 1.022, "mpnet": 6.07, "bge": 1.022 / 0.54, "e5": 1.022 / 0.54, "e5f": 1.022 / 0.54 / 0.81}

d = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
firsts = [k.split(".")[0] for k in d if k.endswith(".validation") and not k.startswith(("truth", "texts", "mpnet"))]


def truth(split: str) -> np.ndarray:
    t = d[f"truth.{split}"]
    return np.array([LABELS.index(x) if isinstance(x, str) else int(x) for x in t])


def probs(name: str, split: str) -> np.ndarray:
    return np.array(d[f"{name}.{split}"], dtype=float)


def f1(y: np.ndarray, p: np.ndarray) -> float:
    return float(f1_score(y, p.argmax(1) if p.ndim == 2 else p, average="macro"))


print("single models and cascades into mpnet (each split's own share deferred: the curve)")
for split in ("validation", "test"):
    y, mp = truth(split), probs("mpnet", split)
    print(f"{split}: mpnet {f1(y, mp):.4f}")
    for first in firsts:
        a = probs(first, split)
        order = np.argsort(a.max(1))
        row = []
        for share in (0.0, 0.03, 0.05, 0.08, 0.10, 0.15, 0.20, 0.25):
            k = int(round(share * len(y)))
            c = a.copy()
            c[order[:k]] = mp[order[:k]]
            row.append(f"{share:.2f}: {f1(y, c):.4f}")
        print(f"  {first:>6} -> mpnet  " + "  ".join(row))

# A linear gate, fit on the training split only (train_linear.py's settings without the refit on
# validation, so that its threshold can be read on validation), answers the texts it is sure of; the
# rest go through first -> mpnet with the first stage's threshold set at a share of validation.
if len(sys.argv) > 2:
    ss = served_split(Path(sys.argv[2]))
    pipe = build_pipeline(FEATURE_CONFIGS[-1], 8.0).fit(ss.x_train, ss.y_train)
    linear = {}
    for split, ids in (("validation", ss.idx_val), ("test", ss.idx_test)):
        p = pipe.predict_proba([ss.clean[i] for i in ids])
        linear[split] = {ss.raw[i]: p[k] for k, i in enumerate(ids)}
    print("\nlinear gate -> first stage -> mpnet: gate share / mpnet share, macro-F1, estimated items/s per core")
    for first, shares in (("minilm", (0.20,)), *((f, (0.03, 0.05)) for f in firsts if f != "minilm")):
        for share in shares:
            thr = float(np.sort(probs(first, "validation").max(1))[int(round(share * len(ss.idx_val)))])
            for split in ("validation", "test"):
                y, a, b = truth(split), probs(first, split), probs("mpnet", split)
                lin = np.array([linear[split][x] for x in d[f"texts.{split}"]])
                row = []
                for gate in (None, 0.97, 0.96, 0.95, 0.93, 0.90):
                    s0 = lin.max(1) >= gate if gate else np.zeros(len(y), dtype=bool)
                    s2 = ~s0 & (a.max(1) < thr)
                    pred = np.where(s0, lin.argmax(1), np.where(s2, b.argmax(1), a.argmax(1)))
                    cost = (COST_MS["linear"] if gate else 0.0) + (1 - s0.mean()) * COST_MS[first] + s2.mean() * COST_MS["mpnet"]
                    row.append(f"{'none' if gate is None else f'>= {gate:.2f}'}: {s0.mean():.0%}/{s2.mean():.1%} {f1(y, pred):.4f} {1000 / cost:.0f}/s")
                print(f"  {first} at {share:.0%} (below {thr:.4f}), {split}: " + " | ".join(row))
