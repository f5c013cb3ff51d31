"""Writes the tfns validation and test splits, and Surge's held-out half, as CSV row numbers, for `npm run eval`.

Run from the repository root: training/.venv/bin/python training/export_split.py

TypeScript cannot redo scikit-learn's stratified shuffle, so the split is exported once: row
numbers (0-based, header excluded) into tfns/train.csv, with each row's label. `npm run eval`
reads the CSV, cleans the rows with cleanText and recomputes every figure from them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from text_clean import clean_text
from train_linear import LABELS, SEED, read_surge, read_tfns, split_surge, split_tfns

REPO_ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "scoring" / "src" / "fixtures" / "tfns-split.json")
    parser.add_argument("--surge-out", type=Path, default=REPO_ROOT / "scoring" / "src" / "fixtures" / "surge-split.json")
    args = parser.parse_args()

    _, clean, y, stats = read_tfns(args.data_dir)
    with (args.data_dir / "tfns" / "train.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    # read_tfns keeps the first row of each group of rows that clean to the same text.
    first_row: dict[str, int] = {}
    for i, row in enumerate(rows):
        first_row.setdefault(clean_text(row["text"]), i)
    idx_train, idx_val, idx_test = split_tfns(y)

    def part(ids) -> list[list[int]]:
        return [[first_row[clean[i]], int(y[i])] for i in ids]

    out = {
        "source": "tfns/train.csv",
        "about": "rows: [row number (0-based, header excluded), class index in labels order], in the order training scores them",
        "labels": LABELS,
        "seed": SEED,
        "stats": {**stats, "train": len(idx_train)},
        "validation": part(idx_val),
        "test": part(idx_test),
    }
    args.out.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: validation {len(idx_val)}, test {len(idx_test)}", file=sys.stderr)

    # read_surge keeps every CSV row, so its indexes are the row numbers.
    surge_raw, _, surge_y = read_surge(args.data_dir)
    surge_train, surge_held_out = split_surge(surge_y)
    surge = {
        "source": "surge-crypto/sentiment.csv",
        "about": "heldOut: [row number (0-based, header excluded), class index in labels order, raw text]; trained: the row numbers the trainers train on",
        # The texts travel with the split so that the tests need no data directory.
        "licence": "MIT, Copyright (c) 2022 Surge AI: LICENSE.surge-crypto beside this file; https://github.com/surge-ai/crypto-sentiment",
        "labels": LABELS,
        "seed": SEED,
        "trained": [int(i) for i in surge_train],
        "heldOut": [[int(i), int(surge_y[i]), surge_raw[i]] for i in surge_held_out],
    }
    args.surge_out.write_text(json.dumps(surge, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.surge_out}: trained {len(surge_train)}, held out {len(surge_held_out)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
