"""Experiment (2026-12-03, session 19, issue #4): where is the cascade's speed left, given its accuracy?
Recorded in 2026-12-03-gate-band.md. Nothing here is shipped.

1. Each exit's own probabilities, from the shipped e5 graph with its thresholds patched (0: every row
   answers there; 2: no row does), checked against the shipped graph's output.
2. The cost of a cascade point from measured stage times (ms per headline on this VM, this session):
   gate 0.124 per headline, e5 0.389 per layer run, mpnet 12.9 per headline it scores.
3. The joint threshold frontier on validation (gate, exit 3, exit 5, mpnet share): the cheapest point at
   each validation macro-F1.
4. The gate's curve under the exits' own rule ("lowest threshold at which validation is no lower than
   without it"), and its errors by confidence band on both splits, beside the rest of the cascade's.
5. A probe of a second cheap model: a bag of per-token vectors from the fine-tuned e5 (each vocabulary
   entry run alone as [CLS] token [SEP]; a text is the mean of its tokens' vectors), with a logistic
   regression or five MLPs on top, fit on the training split; as the gate's partner (answer only where both
   agree) or blended (geometric mean).
6. The pick of section 5 by the exits' rule, its test figure read once.

  npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data e5=scoring/models/e5-sentiment gate=scoring/models/linear-gate
  training/.venv/bin/python training/experiments/2026-12-03-gate-band.py /tmp/probs.json ../shared/data
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import early_exit  # noqa: E402
from train_common import softmax  # noqa: E402
from train_linear import clean_text, served_split  # noqa: E402
from train_transformer import fit_temperature, load_tokenizer, onnx_proba  # noqa: E402

LABELS = ["negative", "neutral", "positive"]
E5 = Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment"
GATE, T3, T5, SHARE = 0.97, 0.90, 0.90, 0.05  # the shipped cascade (its e5 threshold is the 5 % share)
COST_GATE, COST_LAYER, COST_MPNET = 0.124, 0.389, 12.9  # ms per headline, per e5 layer, per mpnet headline
THRESHOLDS = early_exit.THRESHOLDS

probs, data = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])
tok = load_tokenizer(64, E5)
base = onnx.load(E5 / "model.onnx")


def patched(t3: float, t5: float, outputs: list[str] = []) -> ort.InferenceSession:
    m = onnx.ModelProto()
    m.CopyFrom(base)
    for init in m.graph.initializer:
        if init.name in ("exit3/threshold", "exit5/threshold"):
            init.CopyFrom(numpy_helper.from_array(np.array(t3 if init.name.startswith("exit3") else t5, np.float32), init.name))
    for name in outputs:
        m.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    return ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])


# 1. Each exit's probabilities.
S = {}
for sp in ("validation", "test"):
    texts = [clean_text(t) for t in probs[f"texts.{sp}"]]
    S[sp] = {"y": np.array(probs[f"truth.{sp}"]), **{k: np.array(probs[f"{k}.{sp}"]) for k in ("gate", "mpnet", "e5")}}
    for key, (t3, t5) in {"x3": (0.0, 0.0), "x5": (2.0, 0.0), "full": (2.0, 2.0)}.items():
        S[sp][key] = onnx_proba(patched(t3, t5), tok, texts)
    s = S[sp]
    composed = np.where((s["x3"].max(1) >= T3)[:, None], s["x3"], np.where((s["x5"].max(1) >= T5)[:, None], s["x5"], s["full"]))
    print(f"{sp}: the exits composed against the shipped graph: max |diff| {np.abs(composed - s['e5']).max():.1e}")


def e5_of(s, t3: float, t5: float) -> tuple[np.ndarray, np.ndarray]:
    a3, a5 = s["x3"].max(1) >= t3, s["x5"].max(1) >= t5
    return np.where(a3[:, None], s["x3"], np.where(a5[:, None], s["x5"], s["full"])), np.where(a3, 3, np.where(a5, 5, 8))


def cascade(sp: str, gate_ok: np.ndarray, t3: float, t5: float, share: float, gate_p: np.ndarray | None = None):
    """macro-F1, ms per headline, mpnet's share. e5 defers the `share` of all headlines it is least sure of."""
    s = S[sp]
    e5, layers = e5_of(s, t3, t5)
    top = np.sort(e5.max(1)[~gate_ok])
    k = int(share * len(gate_ok))
    te = 0.0 if share == 0 else (top[k] if k < len(top) else 1.0)
    to_mp = ~gate_ok & (e5.max(1) < te)
    gp = s["gate"] if gate_p is None else gate_p
    p = np.where(gate_ok[:, None], gp, np.where(to_mp[:, None], s["mpnet"], e5))
    cost = COST_GATE + COST_LAYER * (layers * ~gate_ok).mean() + COST_MPNET * to_mp.mean()
    return f1_score(s["y"], p.argmax(1), average="macro"), cost, to_mp.mean()


shipped = cascade("validation", S["validation"]["gate"].max(1) >= GATE, T3, T5, SHARE)
print(f"\nshipped point: validation {shipped[0]:.4f}, {shipped[1]:.3f} ms per headline")

# 3. The frontier.
points = []
for tg in (0.85, 0.88, 0.90, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98):
    for t3 in THRESHOLDS[::2] + [0.90]:
        for t5 in (0.86, 0.90, 0.94):
            for share in (0.0, 0.02, 0.035, 0.05, 0.075, 0.10, 0.15):
                f1, cost, mp = cascade("validation", S["validation"]["gate"].max(1) >= tg, t3, t5, share)
                points.append((cost, f1, tg, t3, t5, mp))
points.sort()
print("\nvalidation frontier: the cheapest point at each macro-F1 (cost relative to the shipped point)")
best = -1.0
for cost, f1, tg, t3, t5, mp in points:
    if f1 > best + 1e-9:
        best = f1
        print(f"  {f1:.4f}  speed x{shipped[1] / cost:.2f}  gate {tg:.2f}  exit3 {t3:.2f}  exit5 {t5:.2f}  mpnet {mp:.3f}")

# 4. The gate under the exits' rule, and its errors by band.
print("\ngate curve (exits and the 5 % share as shipped); baseline = no gate")
for tg in (1.01, 0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.90, 0.88, 0.85):
    ok = S["validation"]["gate"].max(1) >= tg
    f1, cost, mp = cascade("validation", ok, T3, T5, SHARE)
    print(f"  gate {tg:.2f}: validation {f1:.4f}, answers {ok.mean():.3f}, speed x{shipped[1] / cost:.2f}")
for sp in ("validation", "test"):
    s = S[sp]
    e5, _ = e5_of(s, T3, T5)
    k = int(SHARE * len(s["y"]))
    rest = np.where((e5.max(1) < np.sort(e5.max(1)[s["gate"].max(1) < GATE])[k])[:, None], s["mpnet"], e5).argmax(1)
    gm, gp, y = s["gate"].max(1), s["gate"].argmax(1), s["y"]
    print(f"\n{sp}: by the gate's confidence band, wrong answers of the gate and of the stages behind it")
    for lo, hi in ((0.97, 1.01), (0.90, 0.97), (0.85, 0.90), (0.80, 0.85)):
        b = (gm >= lo) & (gm < hi)
        kinds = collections.Counter(f"{LABELS[a][:3]}->{LABELS[p][:3]}" for a, p in zip(y[b], gp[b]) if a != p)
        print(f"  [{lo:.2f}, {hi:.2f}): {b.sum()} headlines; gate wrong {(gp[b] != y[b]).sum()}, rest wrong {(rest[b] != y[b]).sum()}, both {((gp != y) & (rest != y))[b].sum()}; gate's errors {dict(kinds)}")

# 5. A bag of per-token vectors as the gate's partner.
cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
names = [early_exit.cut_tensor(base, layer) for layer in (2, 8)]
session = patched(2.0, 2.0, names)
vocab = {2: [], 8: []}
for i in range(0, tok.get_vocab_size(), 512):
    ids = np.array([[cls, j, sep] for j in range(i, min(tok.get_vocab_size(), i + 512))], np.int64)
    for layer, h in zip((2, 8), session.run(names, {"input_ids": ids, "attention_mask": np.ones_like(ids)})):
        vocab[layer].append(h.mean(1))
ss = served_split(data)
train = [clean_text(t) for t, y in zip(ss.x_train, ss.y_train) if y >= 0]
y_train = ss.y_train[ss.y_train >= 0]
token_rows = {sp: [e.ids[1:-1] for e in tok.encode_batch(t)] for sp, t in {"train": train, **{sp: [clean_text(t) for t in probs[f"texts.{sp}"]] for sp in S}}.items()}
partners = {}
for layer in (2, 8):
    table = np.concatenate(vocab[layer])
    x = {sp: np.stack([table[r].mean(0) if r else np.zeros(table.shape[1]) for r in rows]) for sp, rows in token_rows.items()}
    sc = StandardScaler().fit(x["train"])
    for kind in ("lr", "mlp"):
        if kind == "lr":
            lr = LogisticRegression(C=0.05, max_iter=3000, class_weight="balanced").fit(sc.transform(x["train"]), y_train)
            logits = {sp: lr.decision_function(sc.transform(x[sp])) for sp in S}
        else:
            logits = {sp: 0.0 for sp in S}
            for seed in range(5):
                mlp = MLPClassifier(hidden_layer_sizes=(128,), alpha=1.0, max_iter=300, early_stopping=True, random_state=seed).fit(sc.transform(x["train"]), y_train)
                for sp in S:
                    logits[sp] = logits[sp] + (np.maximum(sc.transform(x[sp]) @ mlp.coefs_[0] + mlp.intercepts_[0], 0) @ mlp.coefs_[1] + mlp.intercepts_[1]) / 5
        t = fit_temperature(logits["validation"], S["validation"]["y"])
        partners[f"layer {layer} {kind}"] = {sp: softmax(logits[sp], t) for sp in S}
print("\nbag of token vectors alone (validation macro-F1), and as the gate's partner: validation / speed at each gate threshold")
grid = (0.97, 0.95, 0.93, 0.91, 0.90, 0.88, 0.85)
row = lambda ok_of, gp_of=lambda g: None: "  ".join(f"{tg:.2f}: {(r := cascade('validation', ok_of(tg), T3, T5, SHARE, gp_of(tg)))[0]:.4f} x{shipped[1] / r[1]:.2f}" for tg in grid)  # noqa: E731
g = S["validation"]["gate"]
print(f"  gate alone    {row(lambda tg: g.max(1) >= tg)}")
for name, p in partners.items():
    v = p["validation"]
    blend = np.sqrt(v * g)
    blend /= blend.sum(1, keepdims=True)
    print(f"  {name}: alone {f1_score(S['validation']['y'], v.argmax(1), average='macro'):.4f}")
    print(f"    agree       {row(lambda tg: (g.max(1) >= tg) & (v.argmax(1) == g.argmax(1)))}")
    print(f"    blend       {row(lambda tg: blend.max(1) >= tg, lambda tg: blend)}")

# 6. The rule's pick over the partners (blend with the layer-8 logistic regression, gate 0.88), read on test once.
# e5's threshold is re-chosen for the 5 % share on validation, then held fixed, as npm run cascade does.
def fixed(sp: str, ok: np.ndarray, gate_p: np.ndarray, te: float) -> tuple[float, float]:
    s = S[sp]
    e5, layers = e5_of(s, T3, T5)
    to_mp = ~ok & (e5.max(1) < te)
    p = np.where(ok[:, None], gate_p, np.where(to_mp[:, None], s["mpnet"], e5))
    return f1_score(s["y"], p.argmax(1), average="macro"), COST_GATE + COST_LAYER * (layers * ~ok).mean() + COST_MPNET * to_mp.mean()


blended = {}
for sp in S:
    b = np.sqrt(partners["layer 8 lr"][sp] * S[sp]["gate"])
    blended[sp] = b / b.sum(1, keepdims=True)
pick_ok = blended["validation"].max(1) >= 0.88
e5_val, _ = e5_of(S["validation"], T3, T5)
te = float(np.sort(e5_val.max(1)[~pick_ok])[int(SHARE * len(pick_ok))])
shipped_te = json.loads((E5.parent / "cascade-sentiment" / "manifest.json").read_text())["stages"][1]["deferBelow"]
print(f"\nthe rule's pick: blended gate at 0.88, e5 deferring below {te:.3f}")
for sp in ("validation", "test"):
    f1, cost = fixed(sp, blended[sp].max(1) >= 0.88, blended[sp], te)
    f1_shipped, cost_shipped = fixed(sp, S[sp]["gate"].max(1) >= GATE, S[sp]["gate"], shipped_te)
    print(f"  {sp}: macro-F1 {f1:.4f} (shipped {f1_shipped:.4f}), speed x{cost_shipped / cost:.2f}")
