"""What a teacher fine-tuned in all 12 layers would give the cascade, before any packaging.

Reads train_teacher.py's logits (fp32, best epoch on validation) for the frozen split, and the served
stages' probabilities through the serving code, and reports the teacher alone and the cascade with the
teacher as its second stage (MiniLM's top probability routes, thresholds at validation quantiles), beside
the shipped second stage (mpnet-sentiment, int8). Validation chooses; test is reported.

    HF_HUB_OFFLINE=1 training/.venv/bin/python training/train_teacher.py --surge-half --frozen 0 --work-dir /tmp/teacher-f0
    npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data
    training/.venv/bin/python training/experiments/2026-12-02-teacher-unfrozen.py /tmp/teacher-f0 /tmp/probs.json ../shared/data
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_common import softmax  # noqa: E402
from train_linear import served_split, three_class_metrics  # noqa: E402

work, probs, data = Path(sys.argv[1]), json.load(open(sys.argv[2])), Path(sys.argv[3])
ss = served_split(data)
logits = np.load(work / 'logits.npz')['tfns']
f1 = lambda t, q: three_class_metrics(t, q)['macroF1']  # noqa: E731
S = {}
for name, ids in (('validation', ss.idx_val), ('test', ss.idx_test)):
    assert probs[f'texts.{name}'] == [ss.raw[i] for i in ids]
    S[name] = {'truth': np.array(probs[f'truth.{name}']), 'minilm': np.array(probs[f'minilm.{name}']),
               'mpnet': np.array(probs[f'mpnet.{name}']), 'unfrozen': softmax(logits[ids])}
va, te = S['validation'], S['test']
report = json.loads((work / 'teacher-report.json').read_text())
print(f"teacher: frozen {report['frozenLayers']}, epochs {[h['valMacroF1'] for h in report['history']]}, {report['totalSeconds']:.0f} s")
for k in ('minilm', 'mpnet', 'unfrozen'):
    print(f'{k:9s} alone: validation {f1(va["truth"], va[k]):.4f}  test {f1(te["truth"], te[k]):.4f}')
print('share  validation (shipped mpnet / unfrozen)   test (shipped mpnet / unfrozen)')
for share in (0.10, 0.15, 0.20, 0.25):
    thr = float(np.quantile(va['minilm'].max(axis=1), share))
    row = []
    for s in (va, te):
        defer = (s['minilm'].max(axis=1) < thr)[:, None]
        row.append([f1(s['truth'], np.where(defer, s[k], s['minilm'])) for k in ('mpnet', 'unfrozen')])
    print(f'{share:.2f}   {row[0][0]:.4f} / {row[0][1]:.4f}                        {row[1][0]:.4f} / {row[1][1]:.4f}')
