"""Experiment (2026-12-03, session 20, issue #4): e5 trained with auxiliary heads at its exit layers
(train_transformer.py --aux-exits 3,5), against the shipped e5, as the cascade's middle stage. Recorded in
2026-12-03-speed-probes-s20.md.

On validation only: each e5's exits' own probabilities (its graph with the thresholds patched, as in
2026-12-03-gate-band.py), the cascade at the shipped gate (0.97) with e5's threshold set for a 5 % share to
mpnet (whose layer-6 exit answers), its macro-F1, the layers e5 runs per text and the estimated cost
(2026-12-03-gate-band.md's stage times). Test is not read here.

  training/.venv/bin/python training/experiments/2026-12-03-aux-exits.py /tmp/probs.json /tmp/mpnet-exit.json CANDIDATE_DIR [LAYER_SPEED]

LAYER_SPEED (session 21, 2026-12-03-e5-from-shipped.md): how many times faster the candidate runs a layer than the shipped e5,
as 2026-12-03-e5-ffn-slice.py measured it for a narrower feed-forward block (default 1).
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnx
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from probe_common import GATE, cascade_on, patched_exits  # noqa: E402
from train_linear import clean_text  # noqa: E402
from train_transformer import load_tokenizer, onnx_proba  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[2] / "scoring" / "models" / "e5-sentiment"
probs, mpnet = json.loads(Path(sys.argv[1]).read_text()), json.loads(Path(sys.argv[2]).read_text())
texts = [clean_text(t) for t in probs["texts.validation"]]
y, gate, m6 = np.array(probs["truth.validation"]), np.array(probs["gate.validation"]), np.array(mpnet["x6.validation"])


def exits_of(model_dir: Path) -> dict[str, np.ndarray | float]:
    base = onnx.load(model_dir / "model.onnx")
    thresholds = {e["layer"]: e["threshold"] for e in json.loads((model_dir / "manifest.json").read_text())["earlyExits"]}
    tok = load_tokenizer(64, model_dir)
    out: dict[str, np.ndarray | float] = {"t3": thresholds[3], "t5": thresholds[5]}
    for key, (t3, t5) in {"x3": (0.0, 0.0), "x5": (2.0, 0.0), "full": (2.0, 2.0), "served": (thresholds[3], thresholds[5])}.items():
        out[key] = onnx_proba(patched_exits(base, t3, t5), tok, texts)
    return out


def report(name: str, e: dict[str, np.ndarray | float], layer_speed: float = 1.0) -> float:
    f1 = lambda p: f1_score(y, p, average="macro")  # noqa: E731
    served = e["served"]
    layers = np.where(e["x3"].max(1) >= e["t3"], 3, np.where(e["x5"].max(1) >= e["t5"], 5, 8))
    rest = gate.max(1) < GATE
    cascade, cost = cascade_on(y, gate, served, layers, m6, layer_speed)
    print(
        f"{name}: e5 alone {f1(served.argmax(1)):.4f} (final head {f1(e['full'].argmax(1)):.4f}, exit 3 {f1(e['x3'].argmax(1)):.4f}, "
        f"exit 5 {f1(e['x5'].argmax(1)):.4f}); exits answer {100 * (layers == 3).mean():.1f} / {100 * (layers == 5).mean():.1f} %, "
        f"{layers[rest].mean():.2f} layers per gate-passed text; cascade {cascade:.4f}; est. {cost:.3f} ms per text"
    )
    return cost


base_cost = report("shipped", exits_of(SHIPPED))
cost = report("candidate", exits_of(Path(sys.argv[3])), float(sys.argv[4]) if len(sys.argv) > 4 else 1.0)
print(f"candidate speed x shipped (estimate): {base_cost / cost:.3f}")
