"""Experiment (2026-12-03, session 19, issue #4): how sure must mpnet's exit after layer 6 be, on the texts
the cascade passes on to mpnet? Recorded in 2026-12-03-gate-band.md, section 6; shipped as the cascade's
last stage served by that exit's answer graph (--stage scoring/models/mpnet-sentiment@6).

mpnet's exit threshold (0.80) was chosen against mpnet alone, on all of validation. In the cascade mpnet sees
only the ~5 % of texts e5 is least sure of. The exit's own probabilities and the full graph's come from the
shipped mpnet graph with the threshold patched (0: every row answers at the exit; 2: none does); the e5 side
is the shipped e5 graph's output. The cascade is held at its shipped thresholds (gate 0.97, e5 0.596) and
costed as in 2026-12-03-gate-band.py, with mpnet's cost proportional to the layers it runs.

  npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data e5=scoring/models/e5-sentiment gate=scoring/models/linear-gate
  training/.venv/bin/python training/experiments/2026-12-03-mpnet6.py /tmp/probs.json [/tmp/mpnet-exit.json]
(the optional second file receives the exit's and the full graph's probabilities, for 2026-12-03-mpnet-shallow.py)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_linear import clean_text  # noqa: E402
from train_transformer import load_tokenizer, onnx_proba  # noqa: E402

MODELS = Path(__file__).resolve().parents[2] / "scoring" / "models"
MPNET = MODELS / "mpnet-sentiment"
GATE, E5_DEFER, MPNET_EXIT = 0.97, 0.596, 0.80
COST_GATE, COST_LAYER, COST_MPNET = 0.124, 0.389, 12.9  # ms per headline / e5 layer / mpnet headline (at the shipped mix)

probs = json.loads(Path(sys.argv[1]).read_text())
tok = load_tokenizer(json.loads((MPNET / "manifest.json").read_text())["maxLength"], MPNET)
graph = onnx.load(str(MPNET / "model.onnx"))  # external weights read in: the session is built from bytes


def mpnet_at(threshold: float, texts: list[str]) -> np.ndarray:
    m = onnx.ModelProto()
    m.CopyFrom(graph)
    for init in m.graph.initializer:
        if init.name == "exit6/threshold":
            init.CopyFrom(numpy_helper.from_array(np.array(threshold, np.float32), init.name))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    return onnx_proba(ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"]), tok, texts)


S = {}
for sp in ("validation", "test"):
    texts = [clean_text(t) for t in probs[f"texts.{sp}"]]
    S[sp] = {"y": np.array(probs[f"truth.{sp}"]), "gate": np.array(probs[f"gate.{sp}"]), "e5": np.array(probs[f"e5.{sp}"]), "exit": mpnet_at(0.0, texts), "full": mpnet_at(2.0, texts)}
    s = S[sp]
    composed = np.where((s["exit"].max(1) >= MPNET_EXIT)[:, None], s["exit"], s["full"])
    print(f"{sp}: exit and full graph composed at {MPNET_EXIT} against the shipped mpnet: max |diff| {np.abs(composed - np.array(probs[f'mpnet.{sp}'])).max():.1e}")
if len(sys.argv) > 2:
    Path(sys.argv[2]).write_text(json.dumps({f"{k}.{sp}": S[sp][key].tolist() for sp in S for k, key in (("x6", "exit"), ("full", "full"))}))


def cascade(sp: str, t6: float) -> tuple[float, float, float]:
    s = S[sp]
    done = s["gate"].max(1) >= GATE
    to_mpnet = ~done & (s["e5"].max(1) < E5_DEFER)
    at6 = s["exit"].max(1) >= t6
    mp = np.where(at6[:, None], s["exit"], s["full"])
    p = np.where(done[:, None], s["gate"], np.where(to_mpnet[:, None], mp, s["e5"]))
    # e5's layers are not recomputed here (the exits are in its output); only mpnet's part changes.
    mpnet_cost = COST_MPNET * (to_mpnet * np.where(at6, 6, 12) / 12).mean() / (1 - 0.21 / 2)  # 12.9 ms at the shipped 21 % exiting
    return f1_score(s["y"], p.argmax(1), average="macro"), mpnet_cost, float(at6[to_mpnet].mean())


print("\nvalidation, the cascade at its shipped thresholds, by mpnet's exit threshold (2 = never exit, 0 = always)")
for t6 in (2.0, 0.98, 0.90, 0.80, 0.75, 0.70, 0.65, 0.60, 0.55, 0.50, 0.0):
    f1, cost, share = cascade("validation", t6)
    print(f"  {t6:.2f}: macro-F1 {f1:.4f}; the exit answers {share:.2f} of mpnet's texts; mpnet's ms per headline {cost:.3f}")
print("\ntest, read once, for the shipped exit threshold and for the pick (the exit answering every mpnet text)")
for t6 in (MPNET_EXIT, 0.0):
    f1, cost, share = cascade("test", t6)
    print(f"  {t6:.2f}: macro-F1 {f1:.4f}; the exit answers {share:.2f}; mpnet's ms per headline {cost:.3f}")
