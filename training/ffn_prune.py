"""A narrower feed-forward block for a fine-tuned encoder (train_transformer.py --init-from DIR --ffn K).

Each encoder layer's feed-forward block (hidden -> intermediate GEMM, Gelu, intermediate -> hidden GEMM) is
about half of an int8 e5 layer's time at headline lengths (training/experiments/2026-12-03-e5-ffn-slice.py:
cutting e5's 1536 units to 768 runs its layers 1.2x faster, to 512 1.3x). Structured pruning keeps the
K units of each layer that carry the most signal, and the fine-tuning that follows distils from the unpruned
model, so the narrower one learns to give the answers the wider one gave (Sanh et al. 2020 and the
structured-pruning line after it keep whole units, not scattered weights, so the saving reaches the GEMMs).

Importance of unit j in a layer: the mean over real tokens of |gelu(x W_in + b)_j|, times the norm of the
output weights that unit writes through (column j of W_out). A unit that is near zero on the training texts,
or whose output the layer barely uses, costs the model little to lose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import onnx
import torch
from onnx import numpy_helper


def load_fp32(model: torch.nn.Module, path: Path) -> float:
    """Loads a train_transformer.py fp32 export (CalibratedClassifier around the same MeanPoolClassifier) into
    model, in place, and returns the graph's inverse temperature. The export names the biases, embeddings,
    LayerNorms and head by their torch names under "model."; the constant-folded MatMul weights are unnamed
    and found by their node ("/model/encoder/encoder/layer.0/intermediate/dense/MatMul"), transposed."""
    graph = onnx.load(str(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    by_module = {
        n.name[len("/model/") : -len("/MatMul")].replace("/", "."): inits[n.input[1]]
        for n in graph.node
        if n.op_type == "MatMul" and n.name.startswith("/model/") and n.input[1] in inits
    }
    state: dict[str, torch.Tensor] = {}
    for name, param in model.state_dict().items():
        if f"model.{name}" in inits:
            value = inits[f"model.{name}"]
        elif name.endswith(".weight") and name[: -len(".weight")] in by_module:
            value = by_module[name[: -len(".weight")]].T
        elif name.startswith("aux_heads."):
            continue
        else:
            raise SystemExit(f"{path}: no weights for {name}")
        if tuple(value.shape) != tuple(param.shape):
            raise SystemExit(f"{path}: {name} is {value.shape}, the model wants {tuple(param.shape)}")
        state[name] = torch.from_numpy(np.array(value))  # a writable copy, contiguous
    model.load_state_dict(state, strict=False)
    return float(inits["inv_t"])


def importance(model: torch.nn.Module, batches: list[dict[str, torch.Tensor]]) -> list[torch.Tensor]:
    """Per layer, each feed-forward unit's mean |activation| over the real tokens of batches, times the norm of
    its output weights."""
    layers = model.encoder.encoder.layer
    sums = [torch.zeros(layer.intermediate.dense.out_features, dtype=torch.float64) for layer in layers]
    tokens = [0]
    mask_now: list[torch.Tensor] = []

    def hook(k: int) -> Callable[[Any, Any, torch.Tensor], None]:
        def record(_module: Any, _inputs: Any, out: torch.Tensor) -> None:
            m = mask_now[0].unsqueeze(-1).to(out.dtype)
            sums[k] += (out.abs() * m).sum((0, 1)).double()

        return record

    handles = [layer.intermediate.register_forward_hook(hook(k)) for k, layer in enumerate(layers)]
    model.eval()
    try:
        with torch.inference_mode():
            for feed in batches:
                mask_now[:] = [feed["attention_mask"]]
                tokens[0] += int(feed["attention_mask"].sum())
                model(**feed)
    finally:
        for h in handles:
            h.remove()
    return [s / tokens[0] * layer.output.dense.weight.detach().double().norm(dim=0) for s, layer in zip(sums, layers)]


def prune(model: torch.nn.Module, keep: int, scores: list[torch.Tensor]) -> None:
    """Keeps the `keep` highest-scoring feed-forward units of every layer, in their original order."""
    for layer, score in zip(model.encoder.encoder.layer, scores):
        idx = torch.sort(torch.topk(score, keep).indices).values
        up, down = layer.intermediate.dense, layer.output.dense
        new_up = torch.nn.Linear(up.in_features, keep)
        new_down = torch.nn.Linear(keep, down.out_features)
        with torch.no_grad():
            new_up.weight.copy_(up.weight[idx])
            new_up.bias.copy_(up.bias[idx])
            new_down.weight.copy_(down.weight[:, idx])
            new_down.bias.copy_(down.bias)
        layer.intermediate.dense, layer.output.dense = new_up, new_down
    model.encoder.config.intermediate_size = keep
