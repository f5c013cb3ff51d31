"""Probe: a bag of MiniLM's own WordPiece ids (unigrams and bigrams) as a lexical model mixed into MiniLM.

A model over the ids MiniLM already has can live inside MiniLM's graph (a Gather per id, a LabelEncoder
from bigram to row), so it costs next to nothing at serving time, unlike the TF-IDF pipeline. Fit on the
training split (plus the Surge half, as the served models) only; C, the bigram floor and the mix weight
are chosen on validation; test reported once.

    npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data
    training/.venv/bin/python training/experiments/2026-12-02-wordpiece-lexical.py /tmp/probs.json ../shared/data

Needs the `tokenizers` package (training/requirements-transformer.txt brings it).
"""
import json
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_linear import served_split, three_class_metrics  # noqa: E402

probs = json.load(open(sys.argv[1]))
data = Path(sys.argv[2])
root = Path(__file__).resolve().parents[2]
tok = Tokenizer.from_file(str(root / 'scoring/models/minilm-sentiment/tokenizer.json'))
V = tok.get_vocab_size()

ss = served_split(data)
raw, clean, i_va, i_te, x_tr, y_tr = ss.raw, ss.clean, ss.idx_val, ss.idx_test, ss.x_train, ss.y_train
take = lambda ids: [clean[i] for i in ids]  # noqa: E731

def ids_of(texts):
    return [e.ids[:64] for e in tok.encode_batch(texts)]


def features(id_rows, bigram_index, scale):
    rows, cols, vals = [], [], []
    for r, ids in enumerate(id_rows):
        n = len(ids)
        s = 1 / np.sqrt(n) if scale == 'sqrt' else (1 / n if scale == 'mean' else 1.0)
        for a in ids:
            rows.append(r); cols.append(a); vals.append(s)
        for a, b in zip(ids, ids[1:]):
            j = bigram_index.get(a * V + b)
            if j is not None:
                rows.append(r); cols.append(V + j); vals.append(s)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(id_rows), V + len(bigram_index)), dtype=np.float64)


tr_ids = ids_of(x_tr)
counts = {}
for ids in tr_ids:
    for a, b in zip(ids, ids[1:]):
        counts[a * V + b] = counts.get(a * V + b, 0) + 1
va_ids, te_ids = ids_of(take(i_va)), ids_of(take(i_te))

split = {}
for name, ids in [('validation', i_va), ('test', i_te)]:
    split[name] = {k: np.array(probs[f'{k}.{name}']) for k in ['truth', 'minilm', 'mpnet']}
    assert probs[f'texts.{name}'] == [raw[i] for i in ids]
va, te = split['validation'], split['test']
f1 = lambda s, p: three_class_metrics(s['truth'], p)['macroF1']  # noqa: E731


def mix(m, lin, w):
    logp = w * np.log(m + 1e-12) + (1 - w) * np.log(lin + 1e-12)
    p = np.exp(logp - logp.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


results = []
for min_count in [1, 2]:
    index = {k: j for j, k in enumerate(sorted(k for k, c in counts.items() if c >= min_count))}
    for scale in ['sqrt', 'mean']:
        X_tr, X_va, X_te = (features(r, index, scale) for r in (tr_ids, va_ids, te_ids))
        for c in [1.0, 4.0, 16.0, 64.0]:
            lr = LogisticRegression(C=c, max_iter=3000, class_weight='balanced').fit(X_tr, y_tr)
            p_va, p_te = lr.predict_proba(X_va), lr.predict_proba(X_te)
            best = max((f1(va, mix(va['minilm'], p_va, w)), w) for w in np.arange(0.5, 1.001, 0.05))
            results.append((best[0], min_count, scale, c, best[1], f1(va, p_va), f1(te, p_te), f1(te, mix(te['minilm'], p_te, best[1])), p_va, p_te, len(index)))
            print(f'bigrams>={min_count} ({len(index)}) {scale:4s} C={c:5.1f}: alone val {f1(va, p_va):.4f} test {f1(te, p_te):.4f}; mix w={best[1]:.2f} val {best[0]:.4f}', flush=True)
best = max(results, key=lambda r: r[0])
v, mc, scale, c, w, _, _, t, p_va, p_te, nb = best
print(f'chosen on validation: bigrams>={mc} ({nb}), {scale}, C={c}, w={w:.2f}: mix val {v:.4f}, test {t:.4f} '
      f'(MiniLM alone val {f1(va, va["minilm"]):.4f} test {f1(te, te["minilm"]):.4f})')
first_va, first_te = mix(va['minilm'], p_va, w), mix(te['minilm'], p_te, w)
print('share  val (mix first)  val (minilm first)  test (mix first)  test (minilm first)')
for share in [0.05, 0.10, 0.15, 0.20, 0.25]:
    row = []
    for fv, ft in [(first_va, first_te), (va['minilm'], te['minilm'])]:
        thr = float(np.quantile(fv.max(axis=1), share))
        row.append([f1(s, np.where((f.max(axis=1) < thr)[:, None], s['mpnet'], f)) for s, f in [(va, fv), (te, ft)]])
    print(f'{share:.2f}   {row[0][0]:.4f}           {row[1][0]:.4f}              {row[0][1]:.4f}            {row[1][1]:.4f}')
