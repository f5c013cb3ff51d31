"""Experiment (2026-12-02, issue #4): all-mpnet-base-v2 cut to its first N encoder layers, fine-tuned in
full (mean pooling, linear head, sqrt-balanced cross-entropy) on the tfns training split alone.
Question: is a wider (768) but shallower encoder, at about the shipped MiniLM-L6's cost, more accurate?
Recorded in 2026-12-02-wider-student.md; not part of the recipe.

  HF_HUB_OFFLINE=1 training/.venv/bin/python -u training/experiments/2026-12-02-mpnet-truncated.py \
    --layers 4 --lr 5e-5 --epochs 3
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

TRAINING = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TRAINING))

import train_transformer as tt  # noqa: E402
from train_common import fit, softmax, sqrt_balanced_loss  # noqa: E402
from train_linear import read_tfns, split_tfns, three_class_metrics  # noqa: E402
from train_teacher import mpnet_dir  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", type=Path, default=TRAINING.parent.parent / "shared" / "data")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--limit", type=int, default=0, help="smoke test: train on the first N training texts only")
    args = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    base = mpnet_dir(TRAINING / ".cache" / "teacher")
    _, clean, y, _ = read_tfns(args.data_dir)
    tr, va, te = split_tfns(y)
    if args.limit:
        tr = tr[: args.limit]
    x_train, y_train = [clean[i] for i in tr], y[tr]
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=64)
    model = tt.MeanPoolClassifier(base, args.layers)
    loss_fn = sqrt_balanced_loss(y_train)

    def batch_loss(idx: np.ndarray) -> torch.Tensor:
        ids, mask = tt.encode(tok, [x_train[i] for i in idx])
        out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits
        return loss_fn(out, torch.from_numpy(y_train[idx]))

    started = time.time()
    history = fit(
        model, model.parameters(), batch_loss, len(x_train), epochs=args.epochs, batch=32, lr=args.lr,
        rng=np.random.default_rng(args.seed),
        validate=lambda: three_class_metrics(y[va], softmax(tt.torch_logits(model, tok, [clean[i] for i in va]))),
    )
    test = three_class_metrics(y[te], softmax(tt.torch_logits(model, tok, [clean[i] for i in te])))
    print(json.dumps({**vars(args), "data_dir": str(args.data_dir), "history": history,
                      "testMacroF1": test["macroF1"], "seconds": round(time.time() - started)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
