// Text cleaning applied before the sentiment model; the twin of training/text_clean.py.

// The two implementations must agree byte for byte, because the model was trained on what the
// Python twin produces. Every regex is written so that JavaScript's RegExp and Python's `re`
// read it the same way: explicit ASCII/whitespace classes instead of \s, \S, \b and the `i`
// flag (their Unicode meanings differ between the engines), and ASCII-only lowercasing
// (toLowerCase and str.lower follow different Unicode versions). Change one file, change the
// other, bump CLEAN_TEXT_VERSION in both, and retrain: the manifest records the version.
export const CLEAN_TEXT_VERSION = 'clean-text-v1';

// Whitespace as one explicit set (the union of what JS and Python call whitespace, plus the
// zero-width space). Spelled out in both files: _WS in text_clean.py.
const WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\u0085\\u00a0\\u1680\\u2000-\\u200b\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

const UPPER_ASCII = /[A-Z]/g;
// Runs after lowercasing, so the scheme needs no case-insensitive flag. A URL runs to the next
// whitespace; "t.co/" and "www." links are caught even without a scheme.
const URL_RE = new RegExp(`(?<![a-z0-9_])(?:https?://|www\\.|t\\.co/)[^${WS}]*`, 'g');
// A cashtag ($btc, $aapl) becomes the bare ticker; "$5" (an amount) is left alone.
const CASHTAG = /\$(?=[a-z])/g;
const WHITESPACE = new RegExp(`[${WS}]+`, 'g');
const EDGE_SPACES = /^ +| +$/g;

export function cleanText(text: string): string {
  const lowered = text.replace(UPPER_ASCII, (c) => c.toLowerCase());
  const noUrls = lowered.replace(URL_RE, ' ');
  const noCashtags = noUrls.replace(CASHTAG, '');
  // Not String.prototype.trim: it strips a different set of characters than Python's strip.
  return noCashtags.replace(WHITESPACE, ' ').replace(EDGE_SPACES, '');
}
