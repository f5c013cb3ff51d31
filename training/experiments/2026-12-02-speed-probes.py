"""Experiment (2026-12-02, issue #4): two speed probes, both on onnxruntime (Python), one intra-op
thread, training headlines tokenized to <= 32 tokens, length-sorted runs of 32. Recorded in
2026-12-02-wider-student.md; not part of the recipe.

  mpnet --layers N   all-mpnet-base-v2 cut to N layers with an untrained head (speed does not depend on
                     the weights), quantized as the shipped graph is (quantize_int8.py), against the
                     shipped model.onnx.
  mha                the shipped graph with each layer's attention (reshape, transpose, scaled QK^T,
                     mask, softmax, V product) replaced by one com.microsoft MultiHeadAttention node:
                     output difference, batch invariance and speed against the original.

  HF_HUB_OFFLINE=1 training/.venv/bin/python training/experiments/2026-12-02-speed-probes.py mpnet --layers 4
  training/.venv/bin/python training/experiments/2026-12-02-speed-probes.py mha
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from tokenizers import Tokenizer

TRAINING = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TRAINING))

import train_transformer as tt  # noqa: E402
from quantize_int8 import activation_ranges, quantize_static  # noqa: E402
from train_linear import read_tfns, split_tfns  # noqa: E402
from train_teacher import mpnet_dir  # noqa: E402

SHIPPED = TRAINING.parent / "scoring" / "models" / "minilm-sentiment"


def tokenizer(path: Path, max_length: int) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(max_length=max_length)
    return tok


def session(model: str | bytes) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


def items_per_second(s: ort.InferenceSession, tok: Tokenizer, texts: list[str]) -> float:
    texts = sorted(texts, key=lambda t: len(tok.encode(t).ids))
    started = time.perf_counter()
    for i in range(0, len(texts), 32):
        ids, mask = tt.encode(tok, texts[i : i + 32])
        s.run(None, {"input_ids": ids, "attention_mask": mask})
    return len(texts) / (time.perf_counter() - started)


def rounds(a: tuple[ort.InferenceSession, Tokenizer], b: tuple[ort.InferenceSession, Tokenizer], texts: list[str], n: int) -> None:
    items_per_second(*a, texts)
    items_per_second(*b, texts)
    ra, rb = [], []
    for _ in range(n):
        ra.append(items_per_second(*a, texts))
        rb.append(items_per_second(*b, texts))
    print("shipped  ", [round(x) for x in ra], "median", round(float(np.median(ra))))
    print("candidate", [round(x) for x in rb], "median", round(float(np.median(rb))))
    print("candidate / shipped, median per-round ratio", round(float(np.median(np.array(rb) / np.array(ra))), 3))


def mpnet(layers: int, train: list[str], work: Path) -> None:
    base = mpnet_dir(TRAINING / ".cache" / "teacher")
    tok64 = tokenizer(base / "tokenizer.json", 64)
    fp32_path = work / f"mpnet{layers}-fp32.onnx"
    tt.export_fp32(tt.MeanPoolClassifier(base, layers).eval(), 1.0, tok64, fp32_path)
    fp32 = onnx.load(str(fp32_path))
    batches = (dict(zip(tt.ONNX_INPUTS, tt.encode(tok64, train[i : i + 64]))) for i in range(0, 512, 64))
    q8 = quantize_static(fp32, activation_ranges(fp32, batches)).SerializeToString()
    shipped = (session(str(SHIPPED / "model.onnx")), tokenizer(SHIPPED / "tokenizer.json", 32))
    rounds(shipped, (session(q8), tokenizer(base / "tokenizer.json", 32)), train[:1024], 3)


def fuse_attention(m: onnx.ModelProto, heads: int) -> onnx.ModelProto:
    """Each attention block of the exported BERT graph, from the Q/K/V projections' outputs to the
    context Reshape, becomes one MultiHeadAttention node (key_padding_mask: the int32 attention mask)."""
    g = m.graph
    producer = {o: n for n in g.node for o in n.output}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    removed: set[int] = set()
    added = [helper.make_node("Cast", ["attention_mask"], ["mha/mask_i32"], to=TensorProto.INT32, name="mha/mask")]
    for sm in [n for n in g.node if n.op_type == "Softmax" and "/attention/" in n.name]:
        add = producer[sm.input[0]]
        qk = producer[add.input[0]]
        mul_q, mul_k = producer[qk.input[0]], producer[qk.input[1]]
        tr_q, tr_k = producer[mul_q.input[0]], producer[mul_k.input[0]]
        rs_q, rs_k = producer[tr_q.input[0]], producer[tr_k.input[0]]
        pv = consumers[sm.output[0]][0]
        tr_v = producer[pv.input[1]]
        rs_v = producer[tr_v.input[0]]
        tr_out = consumers[pv.output[0]][0]
        rs_out = consumers[tr_out.output[0]][0]
        added.append(helper.make_node(
            "MultiHeadAttention", [rs_q.input[0], rs_k.input[0], rs_v.input[0], "", "mha/mask_i32"], [rs_out.output[0]],
            domain="com.microsoft", num_heads=heads, name=sm.name.rsplit("/", 1)[0] + "/MultiHeadAttention",
        ))
        removed.update(id(n) for n in (sm, add, qk, mul_q, mul_k, tr_q, tr_k, rs_q, rs_k, pv, tr_v, rs_v, tr_out, rs_out))
    nodes = [n for n in g.node if id(n) not in removed] + added
    outputs = {o.name for o in g.output}
    while True:  # drop the shape plumbing nothing reads any more
        used = {i for n in nodes for i in n.input} | outputs
        live = [n for n in nodes if any(o in used for o in n.output)]
        if len(live) == len(nodes):
            break
        nodes = live
    ready = {i.name for i in g.input} | {i.name for i in g.initializer} | {""}
    ordered: list[onnx.NodeProto] = []
    while nodes:  # topological order
        rest = []
        for n in nodes:
            if all(i in ready for i in n.input):
                ordered.append(n)
                ready.update(n.output)
            else:
                rest.append(n)
        assert len(rest) < len(nodes), "cycle"
        nodes = rest
    del g.node[:]
    g.node.extend(ordered)
    onnx.checker.check_model(m)
    return m


def mha(train: list[str], val: list[str]) -> None:
    tok64 = tokenizer(SHIPPED / "tokenizer.json", 64)
    original = session(str(SHIPPED / "model.onnx"))
    fused = session(fuse_attention(onnx.load(str(SHIPPED / "model.onnx")), heads=12).SerializeToString())

    pa, pb = tt.onnx_proba(original, tok64, val), tt.onnx_proba(fused, tok64, val)
    print("validation: max |fused - shipped|", float(np.abs(pa - pb).max()), "labels agree", float((pa.argmax(1) == pb.argmax(1)).mean()))
    print("fused, batched vs one by one (200 texts): max difference", float(np.abs(tt.onnx_proba(fused, tok64, val[:200], batch=1) - pb[:200]).max()))
    tok32 = tokenizer(SHIPPED / "tokenizer.json", 32)
    rounds((original, tok32), (fused, tok32), train[:2048], 7)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("probe", choices=["mpnet", "mha"])
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--data-dir", type=Path, default=TRAINING.parent.parent / "shared" / "data")
    p.add_argument("--work-dir", type=Path, default=Path("/tmp"))
    args = p.parse_args()
    _, clean, y, _ = read_tfns(args.data_dir)
    tr, va, _ = split_tfns(y)
    train, val = [clean[i] for i in tr], [clean[i] for i in va]
    if args.probe == "mpnet":
        mpnet(args.layers, train, args.work_dir)
    else:
        mha(train, val)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
