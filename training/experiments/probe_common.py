"""What the e5 speed and routing probes share (2026-12-03-e5-surgery.py, -e5-mha.py, -ort-settings.py,
-routing.py, -aux-exits.py, -exit-pooling.py): the texts the cascade's gate passes on, as e5's session runs; an e5 graph
with its exits' thresholds patched; and interleaved timing of sessions over those runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_linear import clean_text  # noqa: E402

GATE = 0.97  # the shipped gate's threshold
# Stage costs in ms per text (2026-12-03-gate-band.md's stage times): the gate, one e5 layer, mpnet's layer-6 exit.
COST_GATE, COST_LAYER, COST_MPNET = 0.124, 0.389, 12.9 * 0.5


def cascade_on(
    y: NDArray[np.int64],
    gate: NDArray[np.float64],
    served: NDArray[np.float64],
    layers: NDArray[np.int64],
    mpnet: NDArray[np.float64],
    layer_speed: float = 1.0,
    gate_at: float = GATE,
) -> tuple[float, float]:
    """The cascade composed from its stages' probabilities on one split: the gate answers at gate_at, e5 (served,
    having run `layers` layers per text) the rest, except the 5 % of all texts e5 is least sure of, which go
    to mpnet. Returns its macro-F1 and the estimated ms per text (layer_speed: how many times faster this e5
    runs a layer than the shipped one)."""
    from sklearn.metrics import f1_score

    rest = gate.max(1) < gate_at
    pred = np.where(rest, served.argmax(1), gate.argmax(1))
    k = int(round(0.05 * len(y)))
    idx = np.where(rest)[0]
    unsure = idx[np.argsort(served[idx].max(1), kind="stable")[:k]]
    pred[unsure] = mpnet[unsure].argmax(1)
    cost = COST_GATE + (rest * layers).sum() * COST_LAYER / layer_speed / len(y) + k * COST_MPNET / len(y)
    return float(f1_score(y, pred, average="macro")), float(cost)


def gate_passed_runs(probs: dict[str, Any], tok: Any, run_rows: int = 16) -> tuple[list[str], list[dict[str, NDArray[np.int64]]]]:
    """The held-out headlines (both splits) whose gate probability is below GATE, cleaned, and their token
    rows sorted by length and cut into runs of run_rows, each padded to its longest: as planRuns would."""
    texts = [clean_text(t) for sp in ("validation", "test") for t, g in zip(probs[f"texts.{sp}"], probs[f"gate.{sp}"]) if max(g) < GATE]
    rows = sorted((e.ids for e in tok.encode_batch(texts)), key=len)
    return texts, [padded(rows[k : k + run_rows]) for k in range(0, len(rows), run_rows)]


def padded(run: list[list[int]]) -> dict[str, NDArray[np.int64]]:
    """One session run's feed: the token rows right-padded with 0 to the longest, and the mask of the real tokens."""
    ids = np.zeros((len(run), max(map(len, run))), np.int64)
    for i, r in enumerate(run):
        ids[i, : len(r)] = r
    mask = np.array([[1] * len(r) + [0] * (ids.shape[1] - len(r)) for r in run], np.int64)
    return {"input_ids": ids, "attention_mask": mask}


def patched_exits(base: onnx.ModelProto, t3: float, t5: float, threads: int = 2) -> ort.InferenceSession:
    """e5's graph with its exits' thresholds set to t3 and t5 (0: every row answers there; 2: none does)."""
    m = onnx.ModelProto()
    m.CopyFrom(base)
    for init in m.graph.initializer:
        if init.name in ("exit3/threshold", "exit5/threshold"):
            init.CopyFrom(numpy_helper.from_array(np.array(t3 if init.name.startswith("exit3") else t5, np.float32), init.name))
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    return ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])


def interleaved(sessions: dict[str, ort.InferenceSession], feeds: list[dict[str, NDArray[np.int64]]], rounds: int, alternate: bool = False) -> None:
    """Times one pass over feeds per session per round and prints each session's median against the first
    session's, as the median over rounds of the ratio (rounds share the VM's state; the ratio is the steadier
    figure). alternate: every other round runs the sessions in reverse order, so a drift within a round
    favours none."""
    seconds: dict[str, list[float]] = {name: [] for name in sessions}
    for r in range(rounds):
        for name in list(sessions)[:: -1 if alternate and r % 2 else 1]:
            t0 = time.perf_counter()
            for f in feeds:
                sessions[name].run(None, f)
            seconds[name].append(time.perf_counter() - t0)
    first = next(iter(sessions))
    base = np.array(seconds[first])
    for name, t in seconds.items():
        print(
            f"{name}: median {1000 * np.median(t):.0f} ms per pass; {first} / this, median over rounds "
            f"{np.median(base / np.array(t)):.3f}; rounds {[round(1000 * x) for x in t]}"
        )
