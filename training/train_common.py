"""Pieces both fine-tuning scripts (train_transformer.py, train_teacher.py) share, so that the
teacher and the student are trained under the same rules."""

from __future__ import annotations

import copy
import hashlib
import math
import sys
import time
from typing import Any, Callable, Iterable

import numpy as np
import torch


def texts_sha256(texts: list[str]) -> str:
    """The fingerprint that ties teacher outputs to the exact cleaned texts they were computed on;
    the teacher writes it and the student checks it, so both must compute it this one way."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def sqrt_balanced_loss(y_train: np.ndarray) -> torch.nn.CrossEntropyLoss:
    """Cross-entropy with sqrt-balanced class weights: the metric is macro-F1 and neutral
    outnumbers the others four to one; full balancing over-predicts the small classes."""
    counts = np.bincount(y_train, minlength=3)
    weights = torch.tensor(np.sqrt(counts.sum() / (3 * counts)), dtype=torch.float32)
    return torch.nn.CrossEntropyLoss(weight=weights)


def warmup_linear_decay(opt: torch.optim.Optimizer, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over the first 6% of steps, then linear decay to zero."""
    warmup = max(1, int(0.06 * total))
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total - s) / (total - warmup))
    )


def fit(
    module: torch.nn.Module,
    params: Iterable[torch.nn.Parameter],
    batch_loss: Callable[[np.ndarray], torch.Tensor],
    n: int,
    *,
    epochs: int,
    batch: int,
    lr: float,
    rng: np.random.Generator,
    validate: Callable[[], dict[str, Any]],
) -> list[dict[str, Any]]:
    """The epoch loop: AdamW (weight decay 0.01) with warm-up and linear decay, shuffled batches of
    row indices into `batch_loss`, gradients clipped at norm 1, validation after every epoch; the
    best validation macro-F1's weights are loaded back. Returns one history row per epoch."""
    params = list(params)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(n / batch)
    sched = warmup_linear_decay(opt, steps_per_epoch * epochs)
    history: list[dict[str, Any]] = []
    best: tuple[float, dict[str, torch.Tensor]] | None = None
    for epoch in range(1, epochs + 1):
        module.train()
        started = time.perf_counter()
        order = rng.permutation(n)
        running = 0.0
        for step in range(steps_per_epoch):
            loss = batch_loss(order[step * batch : (step + 1) * batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            running += float(loss.detach())
        val = validate()
        row = {
            "epoch": epoch,
            "trainLoss": round(running / steps_per_epoch, 4),
            "valMacroF1": val["macroF1"],
            "valAccuracy": val["accuracy"],
            "seconds": round(time.perf_counter() - started, 1),
        }
        history.append(row)
        print(f"  epoch {epoch}: {row}", file=sys.stderr, flush=True)
        if best is None or val["macroF1"] > best[0]:
            best = (val["macroF1"], copy.deepcopy(module.state_dict()))
    assert best is not None
    module.load_state_dict(best[1])
    module.eval()
    return history
