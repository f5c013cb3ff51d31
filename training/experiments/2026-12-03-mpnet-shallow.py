"""Experiment (2026-12-03, session 19, issue #4): could mpnet answer even earlier inside the cascade? Recorded
in 2026-12-03-gate-band.md, section 6. Not built.

A head (the mean logit of five MLPs, early_exit.fit_head "mlp") on the mean-pooled output of mpnet's layer 2,
3, 4 or 5, fit on the training split, answering every text the cascade passes on to mpnet (gate 0.97, e5
0.596). Validation only: the figures moved non-monotonically with depth, so no layer was picked and test
was not read. The mpnet directory is the one from before its exit (features need a graph without one); the
second file holds the shipped mpnet's full-graph and exit probabilities (2026-12-03-mpnet6.py computes them).

  training/.venv/bin/python training/experiments/2026-12-03-mpnet-shallow.py /tmp/probs.json /tmp/mpnet-exit.json \
    /tmp/mpnet-before/scoring/models/mpnet-sentiment
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import early_exit  # noqa: E402
from train_linear import clean_text, served_split  # noqa: E402
from train_transformer import encode, fit_temperature, load_tokenizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
probs, mx, mpnet = json.loads(Path(sys.argv[1]).read_text()), json.loads(Path(sys.argv[2]).read_text()), Path(sys.argv[3])
ss = served_split(Path(__file__).resolve().parents[3] / 'shared' / 'data')
tok = load_tokenizer(64, mpnet)
feeds = lambda texts: [dict(zip(("input_ids", "attention_mask"), encode(tok, texts[i:i + 64]))) for i in range(0, len(texts), 64)]
labelled = [t for t, y in zip(ss.x_train, ss.y_train) if y >= 0]; y_train = ss.y_train[ss.y_train >= 0]
LAYERS = [2, 3, 4, 5]
groups = {"train": feeds(labelled), **{sp: feeds([clean_text(t) for t in probs[f"texts.{sp}"]]) for sp in ("validation", "test")}}
feat = early_exit.pooled_features(onnx.load(str(mpnet / "model.onnx")).SerializeToString(), LAYERS, groups)
S = {sp: {"y": np.array(probs[f"truth.{sp}"]), "gate": np.array(probs[f"gate.{sp}"]), "e5": np.array(probs[f"e5.{sp}"]), "full": np.array(mx[f"full.{sp}"]), "x6": np.array(mx[f"x6.{sp}"])} for sp in ("validation", "test")}
def casc(sp, mp):
    s = S[sp]; g = s["gate"].max(1) >= 0.97; to = ~g & (s["e5"].max(1) < 0.596)
    return f1_score(s["y"], np.where(g[:, None], s["gate"], np.where(to[:, None], mp, s["e5"])).argmax(1), average="macro")
print('validation: full mpnet %.4f, exit 6 always %.4f' % (casc('validation', S['validation']['full']), casc('validation', S['validation']['x6'])))
for layer in LAYERS:
    head = early_exit.fit_head(feat[layer]["train"], y_train, feat[layer]["validation"], S["validation"]["y"], fit_temperature, "mlp")
    p = head.proba(feat[layer]["validation"])
    alone = f1_score(S["validation"]["y"], p.argmax(1), average="macro")
    print(f'layer {layer}: head alone on validation {alone:.4f}; cascade with it answering every mpnet text: validation {casc("validation", p):.4f}')
