"""Probe (2026-12-03, session 20, issue #4): two routing changes in the cascade, simulated on validation from
each stage's own probabilities. Recorded in 2026-12-03-speed-probes-s20.md. Test was not read.

1. Early routing: a text still unsure at e5's exit after layer 3 (top probability below tr3), or after layer 5
   (below tr5), goes to mpnet at once instead of running e5's remaining layers; e5's final threshold then
   fills what is left of the 5 % share. Cost per text from the stage times of 2026-12-03-gate-band.md (gate
   0.124 ms, an e5 layer 0.389 ms, mpnet's exit-6 graph about half of 12.9 ms).
2. The gate's probabilities mixed into e5's before routing and answering: p ∝ e5^(1-w) · gate^w, e5's
   threshold set for shares of 0-5 % to mpnet.

Each exit's probabilities come from the shipped e5 graph with its thresholds patched, as in
2026-12-03-gate-band.py; mpnet's are its layer-6 exit's, from 2026-12-03-mpnet6.py.

  training/.venv/bin/python training/experiments/2026-12-03-routing.py /tmp/probs.json /tmp/mpnet-exit.json
(/tmp/probs.json from 2026-12-02-cascade-probs.mts with e5=scoring/models/e5-sentiment gate=scoring/models/linear-gate;
/tmp/mpnet-exit.json from 2026-12-03-mpnet6.py)
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnx
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from probe_common import patched_exits  # noqa: E402
from train_linear import clean_text  # noqa: E402
from train_transformer import load_tokenizer, onnx_proba  # noqa: E402

E5 = Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment"
COST_GATE, COST_LAYER, COST_MPNET = 0.124, 0.389, 12.9 * 0.5
probs, mpnet = json.loads(Path(sys.argv[1]).read_text()), json.loads(Path(sys.argv[2]).read_text())
tok = load_tokenizer(64, E5)
base = onnx.load(E5 / "model.onnx")


texts = [clean_text(t) for t in probs["texts.validation"]]
s = {"y": np.array(probs["truth.validation"]), "g": np.array(probs["gate.validation"]), "m": np.array(mpnet["x6.validation"])}
for key, (t3, t5) in {"x3": (0.0, 0.0), "x5": (2.0, 0.0), "full": (2.0, 2.0)}.items():
    s[key] = onnx_proba(patched_exits(base, t3, t5), tok, texts)
f1 = lambda pred: f1_score(s["y"], pred, average="macro")  # noqa: E731


def early(tr3: float, tr5: float, te: float | None = None, share: float = 0.05, gate: float = 0.97) -> tuple[float, float, float]:
    """Validation macro-F1, share to mpnet and mean cost per text (ms) with early routing."""
    g, n = s["g"], len(s["y"])
    pred, cost = g.argmax(1).copy(), np.full(n, COST_GATE)
    rest = g.max(1) < gate
    c3, c5, cf = s["x3"].max(1), s["x5"].max(1), s["full"].max(1)
    at3 = rest & (c3 >= 0.9)
    r3 = rest & ~at3 & (c3 < tr3)
    at5 = rest & ~at3 & ~r3 & (c5 >= 0.9)
    r5 = rest & ~at3 & ~r3 & ~at5 & (c5 < tr5)
    full = rest & ~at3 & ~r3 & ~at5 & ~r5
    left = share * n - r3.sum() - r5.sum()
    if te is None:
        te = float(np.sort(cf[full])[int(left)]) if left > 0 else 0.0
    rf = full & (cf < te)
    for mask, key in ((at3, "x3"), (at5, "x5"), (full & ~rf, "full")):
        pred[mask] = s[key][mask].argmax(1)
    to_mpnet = r3 | r5 | rf
    pred[to_mpnet] = s["m"][to_mpnet].argmax(1)
    cost[rest] += np.where(at3 | r3, 3, np.where(at5 | r5, 5, 8))[rest] * COST_LAYER
    cost[to_mpnet] += COST_MPNET
    return f1(pred), float(to_mpnet.mean()), float(cost.mean())


shipped = early(0.0, 0.0, te=0.596)
print(f"1. shipped: validation {shipped[0]:.4f}, {100 * shipped[1]:.1f} % to mpnet")
for tr3 in (0.0, 0.4, 0.45, 0.5):
    for tr5 in (0.0, 0.5):
        v, share, cost = early(tr3, tr5)
        print(f"   tr3 {tr3:.2f} tr5 {tr5:.2f}: validation {v:.4f}, {100 * share:.1f} % to mpnet, speed x shipped {shipped[2] / cost:.3f}")


def mixed(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    z = (1 - w) * np.log(np.clip(a, 1e-9, 1)) + w * np.log(np.clip(b, 1e-9, 1))
    p = np.exp(z - z.max(1, keepdims=True))
    return p / p.sum(1, keepdims=True)


e5 = np.array(probs["e5.validation"])
rest = np.where(s["g"].max(1) < 0.97)[0]
print("2. validation macro-F1 with the gate mixed into e5 (columns: share to mpnet)")
for w in (0.0, 0.1, 0.2, 0.3, 0.4):
    p = mixed(e5[rest], s["g"][rest], w)
    row = []
    for share in (0.0, 0.02, 0.035, 0.05):
        pred = s["g"].argmax(1).copy()
        pred[rest] = p.argmax(1)
        k = int(share * len(s["y"]))
        if k:
            unsure = rest[np.argsort(p.max(1))[:k]]
            pred[unsure] = s["m"][unsure].argmax(1)
        row.append(f"{100 * share:.1f} %: {f1(pred):.4f}")
    print(f"   w {w:.1f}: " + " | ".join(row))
