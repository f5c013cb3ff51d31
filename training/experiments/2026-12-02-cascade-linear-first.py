# A linear first stage in front of the cascade (training/experiments/2026-12-02-cascade.md), a probe:
#   npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data
#   training/.venv/bin/python training/experiments/2026-12-02-cascade-linear-first.py /tmp/probs.json ../shared/data
# The linear model is fit on the training split only (train_linear.py's shipped settings, without the
# refit on validation), so its threshold could be chosen on validation. Speeds: the AVX2 EPYC bench run.
import json, sys
sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parents[1]))
from pathlib import Path
import numpy as np
from train_linear import *
raw, clean, y, _ = read_tfns(Path(sys.argv[2]))
surge_raw, surge_clean, surge_y = read_surge(Path(sys.argv[2]))
i_tr, i_va, i_te = split_tfns(y)
take = lambda ids: [clean[i] for i in ids]
x_tr, x_va, x_te = take(i_tr), take(i_va), take(i_te)
y_tr = y[i_tr]
used, _ = surge_halves(surge_raw, surge_y, held_out=set(x_va) | set(x_te))
x_tr, y_tr = with_rows(x_tr, y_tr, used)
pipe = build_pipeline(FEATURE_CONFIGS[-1], 8.0).fit(x_tr, y_tr)
out = {}
for name, ids in [('validation', i_va), ('test', i_te)]:
    p = pipe.predict_proba(take(ids))
    out[name] = {raw[i]: [float(v) for v in p[k]] for k, i in enumerate(ids)}
L = out
d=json.load(open(sys.argv[1]))
def f1(t,p):
    fs=[]
    for c in range(3):
        tp=sum(1 for a,b in zip(t,p) if a==c and b==c); fp=sum(1 for a,b in zip(t,p) if a!=c and b==c); fn=sum(1 for a,b in zip(t,p) if a==c and b!=c)
        fs.append(0 if tp==0 else 2*tp/(2*tp+fp+fn))
    return sum(fs)/3
am=lambda p:max(range(3),key=lambda i:p[i])
# costs per item (s) from AMD run: linear 1/2463, minilm 1/243, mpnet 1/29
cl,cm,cp=1/2463,1/243,1/29
for s in ['validation','test']:
    t=d['truth.'+s]; texts=d['texts.'+s]; a=d['minilm.'+s]; b=d['mpnet.'+s]
    lin=[L[s].get(x) for x in texts]; miss=sum(1 for x in lin if x is None)
    print(s,'missing',miss,'linear F1',round(f1(t,[am(p) for p in lin]),4))
    for lt in [1.01,0.99,0.98,0.97,0.95,0.9,0.85]:
        stage=[]; pred=[]
        for i in range(len(t)):
            if max(lin[i])>=lt: pred.append(am(lin[i])); stage.append(0)
            elif max(a[i])>=0.8011: pred.append(am(a[i])); stage.append(1)
            else: pred.append(am(b[i])); stage.append(2)
        n=len(t); s0=stage.count(0)/n; s2=stage.count(2)/n
        cost=cl+(1-s0)*cm+s2*cp
        print(f"  lin>={lt:.2f} linear answers {s0:.1%} mpnet {s2:.1%}  F1 {f1(t,pred):.4f}  est items/s {1/cost:.0f}")
