"""Probe: does shifting the class scores (label = argmax(log p + b), b tuned on validation for macro-F1)
buy macro-F1 on test? Macro-F1 weighs the two small classes like neutral, and argmax of calibrated
probabilities is not what maximises it. Two free numbers (negative and positive offsets, neutral fixed at
0) on a grid of 0.05 in [-1, 1], chosen on validation, test reported once.

Second part, the same idea in the cascade's router: a text MiniLM calls negative or positive defers when
top ** k falls under the threshold (neutral ones on top alone), the threshold set for the same share of
validation, so k > 1 sends more of the small classes' texts to mpnet.

    npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data
    training/.venv/bin/python training/experiments/2026-12-02-class-bias.py /tmp/probs.json
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_linear import three_class_metrics  # noqa: E402

p = json.load(open(sys.argv[1]))
tv, tt = np.array(p['truth.validation']), np.array(p['truth.test'])
GRID = np.arange(-1.0, 1.001, 0.05)


def f1(truth, q):
    return three_class_metrics(truth, q)['macroF1']


def shifted(q, b):
    logits = np.log(q + 1e-12) + b
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def tuned(qv):
    best = (f1(tv, qv), np.zeros(3))
    for bn in GRID:
        for bp in GRID:
            b = np.array([bn, 0.0, bp])
            v = f1(tv, shifted(qv, b))
            if v > best[0] + 1e-9:
                best = (v, b)
    return best


def cascade(split, threshold):
    first, second = np.array(p[f'minilm.{split}']), np.array(p[f'mpnet.{split}'])
    return np.where((first.max(axis=1) < threshold)[:, None], second, first)


first_val = np.array(p['minilm.validation'])
rows = [('MiniLM', np.array(p['minilm.validation']), np.array(p['minilm.test'])),
        ('mpnet', np.array(p['mpnet.validation']), np.array(p['mpnet.test']))]
for share in (0.15, 0.20):
    threshold = float(np.quantile(first_val.max(axis=1), share))
    rows.append((f'cascade at {share:.0%}', cascade('validation', threshold), cascade('test', threshold)))
for name, qv, qt in rows:
    v, b = tuned(qv)
    print(f'{name:16s} validation {f1(tv, qv):.4f} -> {v:.4f} (b negative {b[0]:+.2f}, positive {b[2]:+.2f}); '
          f'test {f1(tt, qt):.4f} -> {f1(tt, shifted(qt, b)):.4f}')

print('class-aware routing: top ** k for texts MiniLM calls negative or positive')
for share in (0.15, 0.20):
    for k in (0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
        out = []
        for split, truth in (('validation', tv), ('test', tt)):
            first = np.array(p[f'minilm.{split}'])
            score = np.where(first.argmax(axis=1) == 1, first.max(axis=1), first.max(axis=1) ** k)
            val_first = np.array(p['minilm.validation'])
            val_score = np.where(val_first.argmax(axis=1) == 1, val_first.max(axis=1), val_first.max(axis=1) ** k)
            defer = score < float(np.quantile(val_score, share))
            out.append((f1(truth, np.where(defer[:, None], np.array(p[f'mpnet.{split}']), first)), defer.mean()))
        print(f'  share {share:.0%} k={k:.2f}: validation {out[0][0]:.4f} ({out[0][1]:.1%} deferred), test {out[1][0]:.4f} ({out[1][1]:.1%})')
