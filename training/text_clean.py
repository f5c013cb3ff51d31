"""Text cleaning applied before the vectorizer; the twin of scoring/src/text-clean.ts.

The two implementations must agree byte for byte, because the ONNX model sees only what the
TypeScript side passes it. Every regex below is written so that Python's `re` and JavaScript's
RegExp read it the same way: explicit ASCII/whitespace classes instead of `\\s`, `\\S`, `\\b` and
`re.IGNORECASE` (their Unicode meanings differ between the two engines), and ASCII-only
lowercasing (str.lower and String.prototype.toLowerCase follow different Unicode versions).
Change one file, change the other, and bump CLEAN_TEXT_VERSION in both.
"""

import re

CLEAN_TEXT_VERSION = "clean-text-v1"

# Whitespace as one explicit set (the union of what JS and Python call whitespace, plus the
# zero-width space), so both languages split and collapse on exactly the same characters.
_WS = "\t\n\u000b\u000c\r \u001c\u001d\u001e\u001f\u0085\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"

_UPPER_ASCII = re.compile(r"[A-Z]")
# Runs after lowercasing, so the scheme needs no case-insensitive flag. A URL runs to the next
# whitespace; "t.co/" and "www." links are caught even without a scheme.
_URL = re.compile(r"(?<![a-z0-9_])(?:https?://|www\.|t\.co/)[^" + _WS + r"]*")
# A cashtag ($btc, $aapl) becomes the bare ticker; "$5" (an amount) is left alone.
_CASHTAG = re.compile(r"\$(?=[a-z])")
_WHITESPACE = re.compile(r"[" + _WS + r"]+")


def clean_text(text: str) -> str:
    lowered = _UPPER_ASCII.sub(lambda m: m.group(0).lower(), text)
    no_urls = _URL.sub(" ", lowered)
    no_cashtags = _CASHTAG.sub("", no_urls)
    return _WHITESPACE.sub(" ", no_cashtags).strip(" ")
