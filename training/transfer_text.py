"""Transfer text for distillation: new headline-like texts made from the training headlines, for
the teacher to label and the student to learn from.

Distillation on the 7,544 labelled headlines alone taught the student nothing the labels did not
(training/experiments/2026-11-23-distillation.md): the teacher's knowledge reaches the student
through texts it labels that the student has no label for. There is no unlabelled finance-tweet
corpus here, so the texts are made from the training split the way Tang et al. (2019,
"Distilling Task-Specific Knowledge from BERT into Simple Neural Networks") made theirs:

- word dropout: each word is dropped with probability `p_drop`;
- word replacement: each word is replaced, with probability `p_swap`, by a word of the same shape
  drawn from the training vocabulary by frequency (a number by a number, a word by a word), a
  stand-in for their POS-guided replacement;
- n-gram sampling: with probability `p_ngram` only a contiguous span of 3 to 8 words is kept;
- splices (ours): the first part of one headline joined to the last part of another, which gives
  the teacher mixed and contrasting texts to grade.

Such texts are often ungrammatical; that is fine, because the teacher, not the source headline's
label, says what each one means. Only training-split texts are used, never validation or test,
and the output is a pure function of the inputs and the seed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from itertools import accumulate

_NUMBER = re.compile(r"^[-+$]?[0-9][0-9.,%]*[a-z%]*$")


def _shape(word: str) -> str:
    return "number" if _NUMBER.match(word) else "word"


def augment(
    texts: list[str],
    *,
    per_text: int = 2,
    splices: int = 4000,
    seed: int = 42,
    p_drop: float = 0.1,
    p_swap: float = 0.1,
    p_ngram: float = 0.25,
) -> list[str]:
    """`per_text` variants of every text plus `splices` spliced pairs, deduplicated against each
    other and against the inputs (a variant identical to a labelled headline adds nothing)."""
    rng = random.Random(seed)
    words = [t.split(" ") for t in texts]
    counts: dict[str, Counter[str]] = {"number": Counter(), "word": Counter()}
    for ws in words:
        for w in ws:
            counts[_shape(w)][w] += 1
    # Cumulative weights once per shape: random.choices would otherwise rebuild them on every
    # draw (it accumulates the same way, so the draws are unchanged).
    pools = {k: (list(c.keys()), list(accumulate(c.values()))) for k, c in counts.items()}

    def replacement(w: str) -> str:
        keys, cum = pools[_shape(w)]
        return rng.choices(keys, cum_weights=cum)[0] if keys else w

    seen = set(texts)
    out: list[str] = []

    def keep(ws: list[str]) -> None:
        text = " ".join(w for w in ws if w)
        if len(text.split(" ")) >= 3 and text not in seen:
            seen.add(text)
            out.append(text)

    for ws in words:
        for _ in range(per_text):
            new = []
            for w in ws:
                r = rng.random()
                if r < p_drop:
                    continue
                new.append(replacement(w) if r < p_drop + p_swap else w)
            if rng.random() < p_ngram and len(new) > 4:
                n = rng.randint(3, min(8, len(new)))
                start = rng.randint(0, len(new) - n)
                new = new[start : start + n]
            keep(new)
    for _ in range(splices):
        a, b = rng.sample(range(len(words)), 2)
        wa, wb = words[a], words[b]
        if len(wa) < 2 or len(wb) < 2:
            continue
        keep(wa[: rng.randint(1, len(wa) - 1)] + wb[rng.randint(1, len(wb) - 1) :])
    return out
