"""Trains the TF-IDF + logistic-regression sentiment model and exports it to scoring/models/linear-tfidf/.

Run from the repository root (see training/README.md):
    training/.venv/bin/python training/train_linear.py

Everything is deterministic (fixed split seed, deterministic lbfgs solver, no randomness in the
vectorizers), so a rerun on the same data and pinned packages writes the same model.onnx.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import platform
import random
import re
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import sklearn
import skl2onnx
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import StringTensorType
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline

from text_clean import CLEAN_TEXT_VERSION, clean_text

REPO_ROOT = Path(__file__).resolve().parent.parent
LABELS = ["negative", "neutral", "positive"]
# tfns: 0 = bearish, 1 = bullish, 2 = neutral. Remapped so that class index = position in LABELS,
# which makes the classifier's probability columns come out in the manifest's label order.
TFNS_TO_CLASS = {"0": 0, "1": 2, "2": 1}
SEED = 42

# ASCII word tokens of two or more characters. sklearn's default pattern (?u)\b\w\w+\b is
# Unicode-aware, while skl2onnx rewrites it to [a-zA-Z0-9_]+ for onnxruntime's RE2 tokenizer:
# that keeps one-letter tokens and so shifts every bigram. An explicit ASCII pattern means the
# same thing to Python's re and RE2; the text is already lowercased by clean_text.
TOKEN_PATTERN = r"[a-z0-9]{2,}"

ONNX_INPUT = "text"
ONNX_OUTPUT = "probabilities"
PARITY_TOLERANCE = 1e-4


@dataclass(frozen=True)
class FeatureConfig:
    name: str
    word_max_features: int
    # None: word n-grams only. Char n-grams start at 1 on purpose: onnxruntime's Tokenizer pads
    # short rows with a pad string that the converter picks outside the vocabulary; with 1-grams
    # in the vocabulary "#" is taken, the pad becomes "##", and a two-character pad can never be
    # mistaken for a one-character token inside an n-gram.
    char_max_features: int | None


FEATURE_CONFIGS = [
    FeatureConfig("word12", word_max_features=20000, char_max_features=None),
    FeatureConfig("word12+char15", word_max_features=20000, char_max_features=30000),
]
C_GRID = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]


def build_pipeline(cfg: FeatureConfig, c: float) -> Pipeline:
    # lowercase=False: clean_text already lowercased (ASCII only, to match TypeScript), and
    # without it skl2onnx adds no StringNormalizer, whose locale-dependent lowercasing could
    # differ. sublinear_tf stays off: skl2onnx exports it as log(1 + tf), not sklearn's
    # 1 + log(tf), and the probabilities would no longer match.
    word = TfidfVectorizer(
        analyzer="word",
        token_pattern=TOKEN_PATTERN,
        lowercase=False,
        ngram_range=(1, 2),
        min_df=2,
        max_features=cfg.word_max_features,
        dtype=np.float32,
    )
    if cfg.char_max_features is None:
        features: Any = word
    else:
        char = TfidfVectorizer(
            analyzer="char",
            lowercase=False,
            ngram_range=(1, 5),
            min_df=3,
            max_features=cfg.char_max_features,
            dtype=np.float32,
        )
        features = FeatureUnion([("word", word), ("char", char)])
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED)
    return Pipeline([("features", features), ("clf", clf)])


def read_tfns(data_dir: Path) -> tuple[list[str], list[str], np.ndarray, dict[str, int]]:
    """Returns raw texts, cleaned texts and classes, deduplicated on the cleaned text."""
    path = data_dir / "tfns" / "train.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    by_clean: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        by_clean.setdefault(clean_text(row["text"]), []).append((row["text"], TFNS_TO_CLASS[row["label"]]))
    raw, clean, y = [], [], []
    conflicting = 0
    for text, group in by_clean.items():
        # Tweets that differ only by their t.co link are the same headline: keeping both would
        # leak test items into training. Copies with different labels say nothing reliable.
        if len({label for _, label in group}) > 1:
            conflicting += 1
            continue
        if text == "":
            continue
        raw.append(group[0][0])
        clean.append(text)
        y.append(group[0][1])
    stats = {
        "rows": len(rows),
        "unique_after_cleaning": len(by_clean),
        "conflicting_groups_dropped": conflicting,
        "kept": len(clean),
    }
    return raw, clean, np.array(y), stats


def split_tfns(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """80/10/10, stratified on the label, from one fixed seed: indexes into read_tfns' rows. Every
    model (and `npm run eval`, through export_split.py) uses this one split."""
    idx = np.arange(len(y))
    idx_train, idx_rest = train_test_split(idx, test_size=0.2, stratify=y, random_state=SEED)
    idx_val, idx_test = train_test_split(idx_rest, test_size=0.5, stratify=y[idx_rest], random_state=SEED)
    return idx_train, idx_val, idx_test


def split_surge(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Surge's crypto comments, halved, stratified on the label, from the same fixed seed: both
    trainers take the first half (the only crypto labels here) and every model is measured on the
    second, which nothing trains on. Sorted row indexes into read_surge's rows (its CSV rows)."""
    train_half, held_out = train_test_split(np.arange(len(y)), test_size=0.5, stratify=y, random_state=SEED)
    return np.sort(train_half), np.sort(held_out)


def surge_halves(surge_raw: list[str], surge_y: np.ndarray, held_out: set[str]) -> tuple[dict[str, Any], np.ndarray]:
    """split_surge's training half as label_rows gives it (cleaned, in row order), and the held-out
    half's row indexes."""
    train_half, held_out_half = split_surge(surge_y)
    rows = label_rows([surge_raw[i] for i in train_half], [LABELS[surge_y[i]] for i in train_half], held_out)
    return rows, held_out_half


def surge_data_entry(trained: dict[str, Any] | None, held_out: int, weight: float | None = None) -> dict[str, str]:
    """The manifest's data entry for Surge: what was trained on (None: nothing) and what held out."""
    loss = f"; loss weight {weight}" if weight is not None else ""
    return {
        "name": "Surge AI crypto sentiment",
        "licence": "MIT",
        "source": "https://github.com/surge-ai/crypto-sentiment",
        "use": f"training: {trained['used']} comments (half, stratified, seed 42{loss}); "
        f"evaluation: the other {held_out} (negative vs positive), never trained on"
        if trained
        else f"evaluation only: {held_out} comments (half, stratified, seed 42; negative vs positive)",
    }


def with_rows(x: list[str], y: np.ndarray, rows: dict[str, Any]) -> tuple[list[str], np.ndarray]:
    """The training split with label_rows' texts and classes appended after it (both trainers)."""
    return x + rows["clean"], np.concatenate([y, np.array(rows["y"], dtype=y.dtype)])


@dataclass
class ServedSplit:
    """The frozen tfns split with the training rows the served models learn from (the training split
    plus the Surge half), for experiments that refit a model the way the trainers do."""

    raw: list[str]
    clean: list[str]
    idx_val: np.ndarray
    idx_test: np.ndarray
    x_train: list[str]
    y_train: np.ndarray


def served_split(data_dir: Path) -> ServedSplit:
    raw, clean, y, _ = read_tfns(data_dir)
    surge_raw, _, surge_y = read_surge(data_dir)
    idx_train, idx_val, idx_test = split_tfns(y)
    used, _ = surge_halves(surge_raw, surge_y, held_out={clean[i] for i in idx_val} | {clean[i] for i in idx_test})
    x_train, y_train = with_rows([clean[i] for i in idx_train], y[idx_train], used)
    return ServedSplit(raw, clean, idx_val, idx_test, x_train, y_train)


def read_extra_labels(path: Path, held_out: set[str]) -> dict[str, Any]:
    """Collected labels (text,label CSV, as `npm run train` exports them), cleaned like every text.
    Texts that are in validation or test once cleaned are dropped: a label on a test headline must
    not leak it into training. Empty texts are dropped too."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return label_rows([row["text"] for row in rows], [row["label"] for row in rows], held_out)


def label_rows(texts: list[str], labels: list[str], held_out: set[str]) -> dict[str, Any]:
    """Labelled texts joining the training split, cleaned; those in validation or test once cleaned,
    and empty ones, are dropped and counted."""
    clean_rows, ys, leaked, empty = [], [], 0, 0
    for text, label in zip(texts, labels, strict=True):
        c = clean_text(text)
        if not c:
            empty += 1
        elif c in held_out:
            leaked += 1
        else:
            clean_rows.append(c)
            ys.append(LABELS.index(label))
    return {"clean": clean_rows, "y": ys, "rows": len(texts), "used": len(clean_rows),
            "droppedInHeldOut": leaked, "droppedEmpty": empty,
            "perClass": {label: ys.count(i) for i, label in enumerate(LABELS)}}


def read_surge(data_dir: Path) -> tuple[list[str], list[str], np.ndarray]:
    path = data_dir / "surge-crypto" / "sentiment.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    raw = [r["Comment Text"] for r in rows]
    y = np.array([0 if r["Sentiment"] == "Negative" else 2 for r in rows])
    return raw, [clean_text(t) for t in raw], y


def three_class_metrics(y_true: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    pred = proba.argmax(axis=1)
    p, r, f, s = precision_recall_fscore_support(y_true, pred, labels=[0, 1, 2], zero_division=0)
    return {
        "n": int(len(y_true)),
        "accuracy": round(float(accuracy_score(y_true, pred)), 4),
        "macroF1": round(float(f1_score(y_true, pred, average="macro")), 4),
        "perClass": {
            LABELS[i]: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i in range(3)
        },
        # Rows are the true label, columns the predicted one, both in LABELS order.
        "confusion": confusion_matrix(y_true, pred, labels=[0, 1, 2]).tolist(),
    }


def crypto_metrics(y_true: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    """Surge has no neutral class: score it as negative-vs-positive and say how often the
    three-way argmax would have called a comment neutral."""
    binary_true = (y_true == 2).astype(int)
    binary_pred = (proba[:, 2] > proba[:, 0]).astype(int)
    three_way = proba.argmax(axis=1)
    return {
        "n": int(len(y_true)),
        "binaryAccuracy": round(float(accuracy_score(binary_true, binary_pred)), 4),
        "binaryMacroF1": round(float(f1_score(binary_true, binary_pred, average="macro")), 4),
        # Neutral predictions count as errors here.
        "threeWayAccuracy": round(float(accuracy_score(y_true, three_way)), 4),
        "predictedNeutralShare": round(float(np.mean(three_way == 1)), 4),
        # Rows: true negative, positive; columns: predicted negative, neutral, positive.
        "confusion": [
            [int(np.sum((y_true == t) & (three_way == p))) for p in (0, 1, 2)] for t in (0, 2)
        ],
    }


def export_onnx(pipe: Pipeline) -> onnx.ModelProto:
    clf = pipe.named_steps["clf"]
    # skl2onnx warns that char analyzers "may not work"; main() checks the exported graph
    # against sklearn on every text and fails if they disagree, which is the stronger guarantee.
    warnings.filterwarnings("ignore", message="The conversion of CountVectorizer may not work")
    model = convert_sklearn(
        pipe,
        name="barometer-sentiment-linear",
        initial_types=[(ONNX_INPUT, StringTensorType([None, 1]))],
        # Opset 17 / IR 8 load in every onnxruntime from 1.14 on, onnxruntime-node 1.30 included.
        target_opset={"": 17, "ai.onnx.ml": 3},
        # A plain float tensor [N, 3] instead of a list of maps, which onnxruntime-node can't read.
        options={id(clf): {"zipmap": False}},
    )
    model.ir_version = 8
    # Only what determines the graph goes in, so reruns produce byte-identical files.
    model.producer_version = skl2onnx.__version__
    model.doc_string = ""
    # skl2onnx lists the opset domains in set order, which follows Python's per-process string hashing.
    opsets = sorted(model.opset_import, key=lambda o: o.domain)
    del model.opset_import[:]
    model.opset_import.extend(opsets)
    outputs = [o.name for o in model.graph.output]
    if ONNX_OUTPUT not in outputs:
        raise SystemExit(f"exported graph has outputs {outputs}, expected {ONNX_OUTPUT!r}")
    onnx.checker.check_model(model)
    return model


SPARSE_FORMAT = "barometer-sparse-linear-v1"


def sparse_weights(pipe: Pipeline) -> dict[str, Any]:
    """The fitted pipeline as plain tables for TypeScript's sparse scorer (scoring/src/sparse-linear.ts):
    per block its analyzer, n-gram range, terms in column order and idf, then the classifier's rows.
    Why beside model.onnx: onnxruntime's string Tokenizer and dense TfIdfVectorizer output ([N, 46,205]
    floats, normalised and multiplied in full) made the linear graph cost a sixth of a MiniLM headline;
    looking up a headline's n-grams and weighing the few dozen in the vocabulary costs about 65 µs.
    Numbers keep 9 significant digits (float32 holds about 7)."""
    feats = pipe.named_steps["features"]
    parts = feats.transformer_list if isinstance(feats, FeatureUnion) else [("word", feats)]
    clf = pipe.named_steps["clf"]
    if clf.coef_.shape[0] != len(LABELS):
        raise SystemExit(f"sparse export expects one classifier row per label, got {clf.coef_.shape[0]}")

    def nums(a: np.ndarray) -> list[float]:
        return [float(f"{x:.9g}") for x in np.asarray(a, dtype=np.float64).ravel()]

    blocks = []
    for _, vec in parts:
        if vec.norm != "l2" or vec.sublinear_tf or not vec.use_idf or vec.lowercase or vec.stop_words is not None:
            raise SystemExit("sparse export supports l2-normalised raw-count tf-idf without lowercasing or stop words")
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        block = {"analyzer": vec.analyzer, "ngrams": list(vec.ngram_range), "terms": terms, "idf": nums(vec.idf_)}
        if vec.analyzer == "word":
            block["tokenPattern"] = vec.token_pattern
        blocks.append(block)
    return {"format": SPARSE_FORMAT, "labels": LABELS, "blocks": blocks, "coef": [nums(row) for row in clf.coef_], "intercept": nums(clf.intercept_)}


def sparse_proba(weights: dict[str, Any], texts: list[str]) -> np.ndarray:
    """What scoring/src/sparse-linear.ts computes, in numpy: checks the tables reproduce sklearn."""
    offsets, tables, start = [], [], 0
    for b in weights["blocks"]:
        offsets.append(start)
        tables.append({t: i for i, t in enumerate(b["terms"])})
        start += len(b["terms"])
    coef, intercept = np.array(weights["coef"]), np.array(weights["intercept"])
    out = np.zeros((len(texts), len(LABELS)))
    for row, text in enumerate(texts):
        z = intercept.copy()
        for b, table, off in zip(weights["blocks"], tables, offsets):
            lo, hi = b["ngrams"]
            if b["analyzer"] == "word":
                toks = re.findall(b["tokenPattern"], text)
                grams = [" ".join(toks[i : i + n]) for n in range(lo, hi + 1) for i in range(len(toks) - n + 1)]
            else:
                t = re.sub(r"\s\s+", " ", text)
                grams = [t[i : i + n] for n in range(lo, hi + 1) for i in range(len(t) - n + 1)]
            counts: dict[int, int] = {}
            for g in grams:
                j = table.get(g)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.array(list(counts))
            val = np.array(list(counts.values()), dtype=np.float64) * np.array(b["idf"])[idx]
            z += coef[:, off + idx] @ (val / np.linalg.norm(val))
        e = np.exp(z - z.max())
        out[row] = e / e.sum()
    return out


def onnx_proba(session: ort.InferenceSession, texts: list[str]) -> np.ndarray:
    batch = np.array(texts, dtype=object).reshape(-1, 1)
    (out,) = session.run([ONNX_OUTPUT], {ONNX_INPUT: batch})
    return np.asarray(out, dtype=np.float64)


# Texts that stress cleaning and tokenization: they go into the parity fixture so the TypeScript
# test checks cleanText and the ONNX tokenizer on them, not only on well-behaved headlines.
EDGE_CASES = [
    "",
    "   ",
    "!!! ??? ...",
    "€ ¥ £ — …",
    "a b c d e",
    "Bitcoin surges to record high as ETF inflows soar",
    "Exchange hacked, token plunges 40% as withdrawals halted",
    "$BTC $ETH $SOL rally https://t.co/AbCdEf123 while $5 coffee stays flat",
    "BREAKING:\u00a0Fed\u2009hikes\u3000rates\n\n\tagain www.example.com/path?x=1",
    "RT @trader: Ünïcödé Ǆ İstanbul ΣΟΦΊΑ straße KELVIN\u212a",
    "Crypto 🚀🚀 to the moon 🌕 #BTC #HODL",
    "c# c++ s&p 500 u.s. q3 eps beat",
    "Stocks fall,rally,fall again;markets:volatile",
    "http://only-a-link.com",
    "Zero\u200bwidth\ufeffspace and\u0085next line",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--model-dir", type=Path, default=REPO_ROOT / "scoring" / "models" / "linear-tfidf")
    parser.add_argument(
        "--fixture", type=Path, default=REPO_ROOT / "scoring" / "src" / "fixtures" / "linear-parity.json"
    )
    # A fixed default rather than today's date, so that a rerun reproduces the files exactly.
    parser.add_argument("--version", default="linear-tfidf-2026.12.02")
    parser.add_argument("--fixture-size", type=int, default=200)
    # Retraining (npm run train, scoring/src/train-cli.ts): collected labels join the training data
    # only; the frozen test split stays exactly the one every model is compared on.
    parser.add_argument("--extra-labels", type=Path, help="CSV with text,label (negative|neutral|positive) appended to training only")
    parser.add_argument("--no-fixture", action="store_true", help="do not rewrite the parity fixture (candidates)")
    # As train_transformer.py: half of the Surge crypto comments train, the other half (split_surge) is the crypto test.
    parser.add_argument("--no-surge", action="store_true", help="train on tfns only (the recipe of linear-tfidf-2026.11.23)")
    parser.add_argument("--fixed", action="store_true", help="skip the grid: the shipped features and C (word12+char15, C=8)")
    parser.add_argument("--train-limit", type=int, help="train on the first N rows of the training split only (smoke tests)")
    parser.add_argument("--report", type=Path, help="write data sizes, figures and timings here as JSON")
    # A cascade's gate (scoring/models/linear-gate): fit on train only, so that npm run cascade can read
    # its threshold on validation texts it never saw. The fallback is refit on train + validation.
    parser.add_argument("--no-refit", action="store_true", help="ship the model fit on train only (a cascade gate), not the refit on train + validation")
    args = parser.parse_args()

    started = time.perf_counter()
    raw, clean, y, tfns_stats = read_tfns(args.data_dir)
    surge_raw, surge_clean, surge_y = read_surge(args.data_dir)

    idx_train, idx_val, idx_test = split_tfns(y)
    take = lambda ids: [clean[i] for i in ids]  # noqa: E731
    if args.train_limit is not None:
        idx_train = idx_train[: args.train_limit]
    x_train, x_val, x_test = take(idx_train), take(idx_val), take(idx_test)
    y_train, y_val, y_test = y[idx_train], y[idx_val], y[idx_test]
    surge_used, surge_held_out = surge_halves(surge_raw, surge_y, held_out=set(x_val) | set(x_test))
    if args.no_surge:
        surge_used = None
    if surge_used is not None:
        x_train, y_train = with_rows(x_train, y_train, surge_used)
    extra = read_extra_labels(args.extra_labels, held_out=set(x_val) | set(x_test)) if args.extra_labels else None
    if extra is not None:
        x_train, y_train = with_rows(x_train, y_train, extra)

    # Model selection on the validation split only; the test split is read once, at the end.
    grid: list[dict[str, Any]] = []
    best: tuple[float, FeatureConfig, float] | None = None
    grid_started = time.perf_counter()
    configs = [FEATURE_CONFIGS[-1]] if args.fixed else FEATURE_CONFIGS
    for cfg in configs:
        for c in [8.0] if args.fixed else C_GRID:
            pipe = build_pipeline(cfg, c).fit(x_train, y_train)
            f1 = float(f1_score(y_val, pipe.predict(x_val), average="macro"))
            grid.append({"features": cfg.name, "C": c, "valMacroF1": round(f1, 4)})
            print(f"  {cfg.name:>14} C={c:<5} val macro-F1 {f1:.4f}", file=sys.stderr)
            if best is None or f1 > best[0]:
                best = (f1, cfg, c)
    grid_seconds = time.perf_counter() - grid_started
    assert best is not None
    _, best_cfg, best_c = best

    selected = build_pipeline(best_cfg, best_c).fit(x_train, y_train)
    validation = three_class_metrics(y_val, selected.predict_proba(x_val))

    # The shipped model is refit on train + validation with the chosen settings (unless --no-refit);
    # the test split has still never been seen.
    fit_started = time.perf_counter()
    final = selected if args.no_refit else build_pipeline(best_cfg, best_c).fit(x_train + x_val, np.concatenate([y_train, y_val]))
    final_fit_seconds = time.perf_counter() - fit_started
    test_proba = final.predict_proba(x_test)
    test = three_class_metrics(y_test, test_proba)
    surge_proba = final.predict_proba([surge_clean[i] for i in surge_held_out])
    crypto = crypto_metrics(surge_y[surge_held_out], surge_proba)

    model = export_onnx(final)
    model_bytes = model.SerializeToString()
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])

    # Parity: the exported graph must reproduce sklearn on every text we have, fed in large
    # mixed-length batches (the tokenizer pads rows within a batch) and one by one.
    edge_clean = [clean_text(t) for t in EDGE_CASES]
    everything = clean + surge_clean + edge_clean
    sk_all = final.predict_proba(everything)
    ort_all = np.concatenate([onnx_proba(session, everything[i : i + 1000]) for i in range(0, len(everything), 1000)])
    max_diff = float(np.max(np.abs(sk_all - ort_all)))
    one_by_one = np.concatenate([onnx_proba(session, [t]) for t in everything[:300] + edge_clean])
    max_diff_single = float(np.max(np.abs(np.concatenate([sk_all[:300], sk_all[-len(edge_clean) :]]) - one_by_one)))
    print(f"parity: max |sklearn - onnx| = {max_diff:.2e} batched, {max_diff_single:.2e} single", file=sys.stderr)
    if max(max_diff, max_diff_single) > PARITY_TOLERANCE:
        worst = int(np.argmax(np.max(np.abs(sk_all - ort_all), axis=1)))
        raise SystemExit(f"ONNX/sklearn mismatch {max_diff:.3e} on {everything[worst]!r}")
    if not np.array_equal(sk_all.argmax(axis=1), ort_all.argmax(axis=1)):
        raise SystemExit("ONNX and sklearn disagree on a predicted label")
    sparse = sparse_weights(final)
    sparse_diff = float(np.max(np.abs(sparse_proba(sparse, everything) - sk_all)))
    print(f"parity: max |sklearn - sparse tables| = {sparse_diff:.2e}", file=sys.stderr)
    if sparse_diff > PARITY_TOLERANCE:
        raise SystemExit(f"the sparse tables do not reproduce sklearn ({sparse_diff:.3e})")
    sparse_bytes = (json.dumps(sparse, separators=(",", ":")) + "\n").encode("utf-8")
    total_seconds = time.perf_counter() - started

    # Fixture: a fixed sample of test headlines (raw text, as TypeScript will receive it) plus
    # the edge cases, with sklearn's float64 probabilities.
    rng = random.Random(SEED)
    sample = sorted(rng.sample(range(len(idx_test)), min(args.fixture_size, len(idx_test))))
    fixture_raw = [raw[idx_test[i]] for i in sample] + EDGE_CASES
    fixture_proba = np.concatenate([test_proba[sample], final.predict_proba(edge_clean)])
    fixture = {
        "modelVersion": args.version,
        "cleanTextVersion": CLEAN_TEXT_VERSION,
        "labels": LABELS,
        "tolerance": PARITY_TOLERANCE,
        "cases": [
            {"text": t, "clean": clean_text(t), "probabilities": [round(float(p), 8) for p in row]}
            for t, row in zip(fixture_raw, fixture_proba)
        ],
    }

    n_features = len(final.named_steps["features"].get_feature_names_out())
    data_sizes = {
        "tfns": {
            **tfns_stats,
            "train": len(idx_train),
            "validation": len(x_val),
            "test": len(x_test),
            "trainPerClass": {LABELS[i]: int(np.sum(y[idx_train] == i)) for i in range(3)},
        },
        "surgeCrypto": {
            "rows": len(surge_raw),
            "negative": int(np.sum(surge_y == 0)),
            "positive": int(np.sum(surge_y == 2)),
            "trained": surge_used["used"] if surge_used else 0,
            "heldOut": len(surge_held_out),
        },
    }
    manifest = {
        "name": "barometer-sentiment-linear",
        "version": args.version,
        "labels": LABELS,
        "kind": "linear",
        "files": {"model": "model.onnx", "sparse": "sparse.json"},
        "sha256": {"model": hashlib.sha256(model_bytes).hexdigest(), "sparse": hashlib.sha256(sparse_bytes).hexdigest()},
        "input": {"name": ONNX_INPUT, "type": "string", "shape": [None, 1]},
        "output": {"name": ONNX_OUTPUT},
        "preprocess": CLEAN_TEXT_VERSION,
        "features": {
            "kind": best_cfg.name,
            "tokenPattern": TOKEN_PATTERN,
            "wordNgrams": [1, 2],
            "charNgrams": [1, 5] if best_cfg.char_max_features else None,
            "nFeatures": n_features,
        },
        "classifier": {"kind": "logistic-regression", "C": best_c, "classWeight": "balanced", **({"fitOn": "train"} if args.no_refit else {})},
        "metrics": {"test": test, "validation": validation, "crypto": crypto},
        "data": [
            {
                "name": "Twitter Financial News Sentiment (zeroshot), train split",
                "licence": "MIT",
                "source": "https://huggingface.co/datasets/zeroshot/twitter-financial-news-sentiment",
                "use": "train / validation / test (80/10/10 stratified, seed 42)",
            },
            surge_data_entry(surge_used, len(surge_held_out)),
        ],
    }

    if extra is not None:
        data_sizes["collectedLabels"] = {k: v for k, v in extra.items() if k not in ("clean", "y")}
        manifest["data"].append(
            {
                "name": "Barometer collected labels",
                "licence": "project data",
                "source": str(args.extra_labels),
                "use": f"training only ({extra['used']} labels; none whose text is in validation or test)",
            }
        )

    args.model_dir.mkdir(parents=True, exist_ok=True)
    (args.model_dir / "model.onnx").write_bytes(model_bytes)
    (args.model_dir / "sparse.json").write_bytes(sparse_bytes)
    (args.model_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.no_fixture:
        args.fixture.parent.mkdir(parents=True, exist_ok=True)
        args.fixture.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.report:
        report = {"dataSizes": data_sizes, "test": test, "validation": validation, "crypto": crypto,
                  "seconds": {"grid": round(grid_seconds, 1), "finalFit": round(final_fit_seconds, 1), "total": round(total_seconds, 1)}}
        args.report.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (args.model_dir / "MODEL_CARD.md").write_text(
        model_card(
            manifest=manifest,
            grid=grid,
            data_sizes=data_sizes,
            timing={"grid": grid_seconds, "finalFit": final_fit_seconds, "total": total_seconds},
            parity=max(max_diff, max_diff_single),
            sparse_parity=sparse_diff,
            model_size=len(model_bytes),
        ),
        encoding="utf-8",
    )
    print(json.dumps({"test": test, "validation": validation, "crypto": crypto, "bytes": len(model_bytes)}, indent=1))
    return 0


def fmt_class_table(m: dict[str, Any]) -> str:
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label in LABELS:
        c = m["perClass"][label]
        lines.append(f"| {label} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
    return "\n".join(lines)


def fmt_confusion(rows: list[list[int]], row_labels: list[str]) -> str:
    lines = ["| true \\ predicted | negative | neutral | positive |", "|---|---|---|---|"]
    for label, row in zip(row_labels, rows):
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def model_card(
    *,
    manifest: dict[str, Any],
    grid: list[dict[str, Any]],
    data_sizes: dict[str, Any],
    timing: dict[str, float],
    parity: float,
    sparse_parity: float,
    model_size: int,
) -> str:
    m = manifest["metrics"]
    test, val, crypto = m["test"], m["validation"], m["crypto"]
    d = data_sizes["tfns"]
    refit_free = manifest["classifier"].get("fitOn") == "train"
    grid_rows = "\n".join(f"| {g['features']} | {g['C']} | {g['valMacroF1']:.4f} |" for g in grid)
    return f"""# Model card: {manifest['name']} `{manifest['version']}`

Three-class sentiment (negative / neutral / positive) for short finance and crypto headlines.
TF-IDF features ({manifest['features']['kind']}, {manifest['features']['nFeatures']} features) and a
multinomial logistic regression (C = {manifest['classifier']['C']}, balanced class weights), exported whole
to ONNX: the graph takes raw strings (`{manifest['input']['name']}`, string tensor `[N, 1]`,
already passed through `cleanText`) and returns `{manifest['output']['name']}`, float `[N, 3]` in the
order {', '.join(manifest['labels'])}. Size {model_size / 1e6:.2f} MB.

Produced by `training/train_linear.py` (see training/README.md). Generated file: edit the script,
not this card.

## Intended use and limits
- Scoring short English headlines in the barometer pipeline; each score row carries the version.
- It is a bag of n-grams: no negation scope, no sarcasm, no context beyond the text.
- Trained on finance-news tweets{" and " + str(data_sizes['surgeCrypto']['trained']) + " crypto Reddit comments" if data_sizes['surgeCrypto']['trained'] else ""}. Analyst-headline
  labels treat adoption, listings and launches as neutral where crypto readers call them good news,
  so crypto text is its weak spot (below).

## Data
- Twitter Financial News Sentiment (zeroshot), train split, MIT licence,
  <https://huggingface.co/datasets/zeroshot/twitter-financial-news-sentiment>.
  {d['rows']} rows; after `cleanText`, {d['unique_after_cleaning']} distinct texts (tweets that
  differ only by a link are one headline); {d['conflicting_groups_dropped']} texts that carried two
  different labels and empty texts dropped; {d['kept']} kept. Labels 0 bearish → negative,
  1 bullish → positive, 2 neutral.
  Split 80/10/10 stratified by label, seed 42: train {d['train']}, validation {d['validation']},
  test {d['test']}. Train per class: {d['trainPerClass']}.
- Surge AI crypto sentiment, MIT licence, © 2022 Surge AI, <https://github.com/surge-ai/crypto-sentiment>.
  {data_sizes['surgeCrypto']['rows']} Reddit comments ({data_sizes['surgeCrypto']['negative']} negative,
  {data_sizes['surgeCrypto']['positive']} positive), halved, stratified by label, seed 42: {data_sizes['surgeCrypto']['trained']} trained on
  (with the train split, in the grid{"" if refit_free else " and the refit"}), {data_sizes['surgeCrypto']['heldOut']} held out; crypto figures are on the held-out half.

## Procedure
1. Clean every text with `clean_text` (training/text_clean.py, twin of scoring/src/text-clean.ts):
   ASCII lowercase, drop URLs, `$BTC` → `btc`, collapse whitespace.
2. Grid over features × C, fit on train, choose the best macro-F1 on validation.
{"3. Keep the model fit on train only (`--no-refit`: a cascade's gate, whose threshold is read on validation); evaluate once on test and on Surge's held-out half." if refit_free else "3. Refit the chosen settings on train + validation; evaluate once on test and on Surge's held-out half."}
4. Export with skl2onnx (`model.onnx`) and as sparse tables (`sparse.json`: terms, idf, weights);
   check that onnxruntime and the tables reproduce sklearn's probabilities on every text (max abs
   difference here: {parity:.1e} and {sparse_parity:.1e}, limit {PARITY_TOLERANCE:g}).

Validation grid (fit on train only):

| features | C | val macro-F1 |
|---|---|---|
{grid_rows}

## Results

### Test split (held out, {test['n']} headlines)
Accuracy **{test['accuracy']:.4f}**, macro-F1 **{test['macroF1']:.4f}**.

{fmt_class_table(test)}

{fmt_confusion(test['confusion'], LABELS)}

### Validation split ({val['n']} headlines, model fit on train only)
Accuracy {val['accuracy']:.4f}, macro-F1 {val['macroF1']:.4f}.

{fmt_class_table(val)}

{fmt_confusion(val['confusion'], LABELS)}

### Crypto: Surge AI Reddit comments, held-out half ({crypto['n']}, negative vs positive)
- Negative vs positive (argmax over those two probabilities): accuracy
  **{crypto['binaryAccuracy']:.4f}**, macro-F1 **{crypto['binaryMacroF1']:.4f}**.
- Three-way argmax: {crypto['predictedNeutralShare']:.1%} of comments called neutral; accuracy
  counting those as wrong {crypto['threeWayAccuracy']:.4f}.

{fmt_confusion(crypto['confusion'], ['negative', 'positive'])}

## Cost
On the machine that produced this file ({platform.machine()}, Python {platform.python_version()},
scikit-learn {sklearn.__version__}, skl2onnx {skl2onnx.__version__}): grid {timing['grid']:.1f} s,
final fit {timing['finalFit']:.1f} s, whole script {timing['total']:.1f} s.

Serving: the scoring service reads `sparse.json` (scoring/src/sparse-linear.ts): each headline's
word and character n-grams are looked up in the vocabulary, and only the few dozen it has are
weighed, with no per-batch matrix. On the 2-core VM of 2026-12-03 that ran 3.5-4x the items/s of
the ONNX graph on the same headlines (about 10,000 against 3,000 per second on one core). The graph
stays for other runtimes and for a model directory without the tables; onnxruntime materializes
dense float32 `[N, {manifest['features']['nFeatures']}]` matrices for a batch of N texts, about 0.8 MB per
text in onnxruntime-node 1.30 (a batch of 1,000 peaks near 1 GB and its arena keeps it).

## Credits
Twitter Financial News Sentiment by zeroshot (MIT). Crypto sentiment data by Surge AI (MIT).
"""


if __name__ == "__main__":
    sys.exit(main())
