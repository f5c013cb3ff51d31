"""Probe: does the TF-IDF model, averaged into MiniLM, make a better first stage for the cascade?

The linear model is ~4x cheaper than MiniLM on an AMX Xeon and reads text differently (word n-grams
against a 6-layer encoder), so mixing its probabilities in might buy accuracy for a quarter of the cost.
The shipped linear model is refit on train + validation, so its validation figures would flatter it:
this fits train_linear.py's shipped settings on the training split only, chooses the mix weight and the
deferral threshold on validation, and reports test once.

    npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data
    training/.venv/bin/python training/experiments/2026-12-02-ensemble-first-stage.py /tmp/probs.json ../shared/data
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_linear import FEATURE_CONFIGS, build_pipeline, served_split, three_class_metrics  # noqa: E402

probs = json.load(open(sys.argv[1]))
data = Path(sys.argv[2])


ss = served_split(data)
raw, clean, i_va, i_te, x_tr, y_tr = ss.raw, ss.clean, ss.idx_val, ss.idx_test, ss.x_train, ss.y_train
take = lambda ids: [clean[i] for i in ids]  # noqa: E731
pipe = build_pipeline(FEATURE_CONFIGS[-1], 8.0).fit(x_tr, y_tr)

split = {}
for name, ids in [('validation', i_va), ('test', i_te)]:
    by_text = dict(zip((raw[i] for i in ids), pipe.predict_proba(take(ids))))
    texts = probs[f'texts.{name}']
    split[name] = {
        'truth': np.array(probs[f'truth.{name}']),
        'linear': np.array([by_text[t] for t in texts]),
        'minilm': np.array(probs[f'minilm.{name}']),
        'mpnet': np.array(probs[f'mpnet.{name}']),
    }


def mix(s, w, how):
    if how == 'mean':
        return w * s['minilm'] + (1 - w) * s['linear']
    logp = w * np.log(s['minilm'] + 1e-12) + (1 - w) * np.log(s['linear'] + 1e-12)
    p = np.exp(logp - logp.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def f1_of(s, p):
    return three_class_metrics(s['truth'], p)['macroF1']


va, te = split['validation'], split['test']
print(f"alone: linear (train only) val {f1_of(va, va['linear']):.4f} test {f1_of(te, te['linear']):.4f}; "
      f"minilm val {f1_of(va, va['minilm']):.4f} test {f1_of(te, te['minilm']):.4f}; "
      f"mpnet val {f1_of(va, va['mpnet']):.4f} test {f1_of(te, te['mpnet']):.4f}")

best = None
for how in ['mean', 'product']:
    for w in np.arange(0.5, 1.001, 0.05):
        v = f1_of(va, mix(va, w, how))
        print(f"  {how:7s} w={w:.2f}  val {v:.4f}")
        if best is None or v > best[0]:
            best = (v, how, w)
_, how, w = best
print(f"chosen on validation: {how}, w={w:.2f}: val {best[0]:.4f}, test {f1_of(te, mix(te, w, how)):.4f}")

# The cascade with this first stage: defer the texts whose top mixed probability falls below the
# threshold that sends a given share of validation to mpnet.
first_va, first_te = mix(va, w, how), mix(te, w, how)
print('share  val cascade (mix first)  val cascade (minilm first)  test cascade (mix first)  test cascade (minilm first)')
for share in [0.05, 0.10, 0.15, 0.20, 0.25]:
    row = []
    for first_v, first_t in [(first_va, first_te), (va['minilm'], te['minilm'])]:
        thr = float(np.quantile(first_v.max(axis=1), share))
        out = []
        for s, first in [(va, first_v), (te, first_t)]:
            defer = first.max(axis=1) < thr
            out.append(f1_of(s, np.where(defer[:, None], s['mpnet'], first)))
        row.append(out)
    print(f"{share:.2f}   {row[0][0]:.4f}                   {row[1][0]:.4f}                      {row[0][1]:.4f}                    {row[1][1]:.4f}")
