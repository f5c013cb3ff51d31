// Scores a TF-IDF + logistic-regression model from its sparse tables (sparse.json, written by
// training/train_linear.py beside model.onnx): the same arithmetic as scikit-learn, one text at a time.
//
// Why not the ONNX graph: onnxruntime's string Tokenizer and TfIdfVectorizer build a dense float32
// [N, features] matrix (46,205 columns for the shipped models) that is then normalised, scaled and
// multiplied in full: about 0.35 ms and 0.8 MB per headline. A headline has a few hundred n-grams, of
// which a few dozen are in the vocabulary; looking those up in a Map is two orders of magnitude less work.
// train_linear.py checks these tables against scikit-learn on every text it has, and the parity tests
// check this code against the same fixtures as the graph.

import { z } from 'zod';

export const SPARSE_FORMAT = 'barometer-sparse-linear-v1';

const Block = z.discriminatedUnion('analyzer', [
  z.object({
    analyzer: z.literal('word'),
    ngrams: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    tokenPattern: z.string().min(1),
    terms: z.array(z.string()),
    idf: z.array(z.number()),
  }),
  z.object({
    analyzer: z.literal('char'),
    ngrams: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    terms: z.array(z.string()),
    idf: z.array(z.number()),
  }),
]);

export const SparseLinearFile = z
  .object({
    format: z.literal(SPARSE_FORMAT),
    labels: z.array(z.string()).min(2),
    blocks: z.array(Block).min(1),
    coef: z.array(z.array(z.number())),
    intercept: z.array(z.number()),
  })
  .superRefine((f, ctx) => {
    const features = f.blocks.reduce((n, b) => n + b.terms.length, 0);
    f.blocks.forEach((b, i) => {
      if (b.idf.length !== b.terms.length) ctx.addIssue({ code: 'custom', path: ['blocks', i, 'idf'], message: `${b.idf.length} idf values for ${b.terms.length} terms` });
      if (b.ngrams[0] > b.ngrams[1]) ctx.addIssue({ code: 'custom', path: ['blocks', i, 'ngrams'], message: 'the n-gram range runs backwards' });
    });
    if (f.coef.length !== f.labels.length || f.intercept.length !== f.labels.length) {
      ctx.addIssue({ code: 'custom', path: ['coef'], message: `one classifier row and intercept per label (${f.labels.length})` });
    }
    f.coef.forEach((row, i) => {
      if (row.length !== features) ctx.addIssue({ code: 'custom', path: ['coef', i], message: `${row.length} weights for ${features} features` });
    });
  });
export type SparseLinearFile = z.infer<typeof SparseLinearFile>;

interface CompiledBlock {
  /** Calls visit with the column (within the block) of each of the text's n-grams in the vocabulary. */
  terms: (text: string, visit: (column: number) => void) => void;
  /** The block's first column in coef and idf. */
  offset: number;
}

// scikit-learn's _word_ngrams: the tokens themselves for n = 1, then each run of n joined by a space.
// The pattern is Python's (train_linear.py's TOKEN_PATTERN, [a-z0-9]{2,}), which reads the same in both engines.
function wordBlock(pattern: string, [lo, hi]: readonly [number, number], terms: readonly string[]): CompiledBlock['terms'] {
  const re = new RegExp(pattern, 'g');
  const index = new Map(terms.map((t, i) => [t, i]));
  return (text, visit) => {
    const tokens = text.match(re) ?? [];
    for (let n = lo; n <= Math.min(hi, tokens.length); n++) {
      for (let i = 0; i + n <= tokens.length; i++) {
        const column = index.get(n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(' '));
        if (column !== undefined) visit(column);
      }
    }
  };
}

// Python's \s (str.isspace), spelled out: JavaScript's \s differs (\ufeff in, \x1c-\x1f and \x85 out).
const PY_WHITESPACE_RUN = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]{2,}/g;
const SURROGATE = /[\ud800-\udfff]/;

// scikit-learn's _char_ngrams: runs of whitespace become one space (cleanText has done so already),
// then every substring of lo to hi code points.
// Why a hash table of its own: a headline has about 350 such substrings. Making each a string to look it
// up in a Map cost about 0.6 µs apiece on the 2-core VM (a cache miss into a 30,000-entry Map per
// lookup); here each substring's hash grows one character at a time from its start, without making a
// string, and indexes a compact open-addressing table; a hit is confirmed by comparing the term itself.
function charBlock([lo, hi]: readonly [number, number], terms: readonly string[]): CompiledBlock['terms'] {
  // FNV-1a, extended by one UTF-16 unit at a time from its offset basis.
  const basis = 0x811c9dc5 | 0;
  const extend = (h: number, unit: number) => Math.imul(h ^ unit, 0x01000193);
  const slotOf = (h: number) => Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ (h >>> 12);
  const size = 2 ** Math.ceil(Math.log2(4 * terms.length + 1));
  const mask = size - 1;
  const keys = new Int32Array(size);
  const columns = new Int32Array(size).fill(-1);
  const hashOf = (s: string) => {
    let h = basis;
    for (let k = 0; k < s.length; k++) h = extend(h, s.charCodeAt(k));
    return h;
  };
  terms.forEach((term, column) => {
    const h = hashOf(term);
    let slot = slotOf(h) & mask;
    while (columns[slot]! >= 0) slot = (slot + 1) & mask;
    keys[slot] = h;
    columns[slot] = column;
  });
  // The column of the term hashed to h that is text's n UTF-16 units from start, or -1.
  const find = (h: number, text: string, start: number, n: number): number => {
    for (let slot = slotOf(h) & mask; columns[slot]! >= 0; slot = (slot + 1) & mask) {
      const column = columns[slot]!;
      if (keys[slot] === h && terms[column]!.length === n && text.startsWith(terms[column]!, start)) return column;
    }
    return -1;
  };
  return (raw, visit) => {
    const text = raw.replace(PY_WHITESPACE_RUN, ' ');
    if (SURROGATE.test(text)) {
      // Beyond U+FFFF (emoji) Python's code points and JavaScript's UTF-16 units differ: count by code point.
      const chars = Array.from(text);
      for (let n = lo; n <= Math.min(hi, chars.length); n++) {
        for (let i = 0; i + n <= chars.length; i++) {
          const gram = chars.slice(i, i + n).join('');
          const column = find(hashOf(gram), gram, 0, gram.length);
          if (column >= 0) visit(column);
        }
      }
      return;
    }
    for (let i = 0; i < text.length; i++) {
      let h = basis;
      for (let n = 1; n <= hi && i + n <= text.length; n++) {
        h = extend(h, text.charCodeAt(i + n - 1));
        if (n < lo) continue;
        const column = find(h, text, i, n);
        if (column >= 0) visit(column);
      }
    }
  };
}

/** The scorer of a parsed sparse.json: label-ordered probabilities per cleaned text, flattened. */
export function compileSparseLinear(file: SparseLinearFile): (cleaned: readonly string[]) => Float32Array {
  let offset = 0;
  const blocks: CompiledBlock[] = file.blocks.map((b) => {
    const block = { terms: b.analyzer === 'word' ? wordBlock(b.tokenPattern, b.ngrams, b.terms) : charBlock(b.ngrams, b.terms), offset };
    offset += b.terms.length;
    return block;
  });
  const idf = Float64Array.from(file.blocks.flatMap((b) => b.idf));
  const labels = file.labels.length;
  // Column-major by feature: the weights of one feature for every label sit together.
  const coef = new Float64Array(offset * labels);
  file.coef.forEach((row, k) => row.forEach((w, j) => (coef[j * labels + k] = w)));
  const intercept = Float64Array.from(file.intercept);

  // A text's term counts, dense over every column (a Map grown and cleared per text cost more than the
  // lookups), and the columns it touched, which are zeroed again after the text.
  const counts = new Float64Array(offset);
  const touched: number[] = [];
  const z = new Float64Array(labels);
  return (cleaned) => {
    const out = new Float32Array(cleaned.length * labels);
    cleaned.forEach((text, row) => {
      z.set(intercept);
      for (const b of blocks) {
        touched.length = 0;
        b.terms(text, (j) => {
          const at = b.offset + j;
          if (counts[at] === 0) touched.push(at);
          counts[at]! += 1;
        });
        // tf · idf, divided by the block's L2 norm (FeatureUnion normalises each vectorizer alone).
        let norm = 0;
        for (const at of touched) norm += (counts[at]! * idf[at]!) ** 2;
        const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
        for (const at of touched) {
          const v = counts[at]! * idf[at]! * scale;
          counts[at] = 0;
          for (let k = 0; k < labels; k++) z[k]! += v * coef[at * labels + k]!;
        }
      }
      // Softmax over the labels: scikit-learn's multinomial logistic regression.
      let max = -Infinity;
      for (let k = 0; k < labels; k++) max = Math.max(max, z[k]!);
      let sum = 0;
      for (let k = 0; k < labels; k++) sum += (z[k] = Math.exp(z[k]! - max));
      for (let k = 0; k < labels; k++) out[row * labels + k] = z[k]! / sum;
    });
    return out;
  };
}
