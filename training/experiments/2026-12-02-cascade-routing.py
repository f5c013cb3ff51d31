# Cascade routing probe (training/experiments/2026-12-02-cascade.md): python3 THIS /tmp/probs.json
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
