"""Experiment (2026-12-02, issue #4): the linear gate of 2026-12-02-small-12-layer.md as a model directory,
for 2026-12-02-gate-speed.mts. train_linear.py's shipped features with C = 8, fit on the training split
(and the Surge half) only, without the refit on validation, so that its threshold can be read on
validation. The manifest is the shipped linear model's with this graph's sha256 and a probe version.

  training/.venv/bin/python training/experiments/2026-12-02-linear-gate.py /tmp/linear-gate ../shared/data
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_linear import FEATURE_CONFIGS, build_pipeline, export_onnx, onnx_proba, served_split  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[2] / "scoring" / "models" / "linear-tfidf"

out, data = Path(sys.argv[1]), Path(sys.argv[2])
ss = served_split(data)
pipe = build_pipeline(FEATURE_CONFIGS[-1], 8.0).fit(ss.x_train, ss.y_train)
model = export_onnx(pipe).SerializeToString()
val = [ss.clean[i] for i in ss.idx_val]
drift = float(np.abs(onnx_proba(ort.InferenceSession(model), val) - pipe.predict_proba(val)).max())
if drift > 1e-4:
    raise SystemExit(f"the exported gate differs from scikit-learn by {drift:.2e}")
out.mkdir(parents=True, exist_ok=True)
(out / "model.onnx").write_bytes(model)
manifest = json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))
manifest["version"] = "linear-gate-probe"
manifest["sha256"]["model"] = hashlib.sha256(model).hexdigest()
manifest["classifier"]["C"] = 8.0
(out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
print(f"{out}: {len(model)} bytes, matches scikit-learn to {drift:.1e}")
