# Cascade probes (training/experiments/2026-12-02-cascade.md), on both stages' probabilities:
#   npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data
#   python3 THIS /tmp/probs.json                                  # routers, averaging
#   training/.venv/bin/python THIS /tmp/probs.json ../shared/data # and a linear first stage in front
import json, math
d=json.load(open(__import__('sys').argv[1]))
def f1(t,p):
    fs=[]
    for c in range(3):
        tp=sum(1 for a,b in zip(t,p) if a==c and b==c); fp=sum(1 for a,b in zip(t,p) if a!=c and b==c); fn=sum(1 for a,b in zip(t,p) if a==c and b!=c)
        fs.append(0 if tp==0 else 2*tp/(2*tp+fp+fn))
    return sum(fs)/3
am=lambda p:max(range(3),key=lambda i:p[i])
for s in ['validation','test']:
    t=d['truth.'+s]; a=d['minilm.'+s]; b=d['mpnet.'+s]
    conf=[max(p) for p in a]
    order=sorted(range(len(t)),key=lambda i:conf[i])
    print(s,'minilm',round(f1(t,[am(p) for p in a]),4),'mpnet',round(f1(t,[am(p) for p in b]),4), 'n',len(t))
    for frac in [0,0.02,0.05,0.08,0.1,0.15,0.2,0.25,0.3,0.4,0.5]:
        k=int(frac*len(t)); defer=set(order[:k])
        pred=[am(b[i]) if i in defer else am(a[i]) for i in range(len(t))]
        # also average ensemble for deferred
        pred2=[am([(a[i][j]+b[i][j])/2 for j in range(3)]) if i in defer else am(a[i]) for i in range(len(t))]
        print(f"  defer {frac:.2f}  cascade {f1(t,pred):.4f}  avg {f1(t,pred2):.4f}  thr {conf[order[k]] if k<len(t) else 1:.3f}")
print('--- router signals at 15/20%')
for s in ['validation','test']:
    t=d['truth.'+s]; a=d['minilm.'+s]; b=d['mpnet.'+s]
    sig={'maxp':[max(p) for p in a],'margin':[sorted(p)[2]-sorted(p)[1] for p in a],'negent':[sum(q*math.log(q) for q in p if q>0) for p in a]}
    for name,conf in sig.items():
        order=sorted(range(len(t)),key=lambda i:conf[i]); r=[]
        for frac in [0.1,0.15,0.2]:
            defer=set(order[:int(frac*len(t))]); r.append(round(f1(t,[am(b[i]) if i in defer else am(a[i]) for i in range(len(t))]),4))
        print(s,name,r)

# A linear first stage, fit on the training split only (train_linear.py's shipped settings, without the
# refit on validation, so its threshold could be chosen on validation). Speeds: the AVX2 EPYC bench run.
if len(__import__('sys').argv) > 2:
    import sys
    sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parents[1]))
    from pathlib import Path
    import numpy as np
    from train_linear import *
    ss = served_split(Path(sys.argv[2]))
    raw, clean, i_va, i_te, x_tr, y_tr = ss.raw, ss.clean, ss.idx_val, ss.idx_test, ss.x_train, ss.y_train
    take = lambda ids: [clean[i] for i in ids]
    pipe = build_pipeline(FEATURE_CONFIGS[-1], 8.0).fit(x_tr, y_tr)
    out = {}
    for name, ids in [('validation', i_va), ('test', i_te)]:
        p = pipe.predict_proba(take(ids))
        out[name] = {raw[i]: [float(v) for v in p[k]] for k, i in enumerate(ids)}
    L = out
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
