"""Pieces both fine-tuning scripts (train_transformer.py, train_teacher.py) share, so that the
teacher and the student are trained under the same rules."""

from __future__ import annotations

import numpy as np
import torch


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
