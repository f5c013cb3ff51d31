// Groups near-duplicate headlines (one story syndicated with small edits) under one story id, so an
// index can count a story once while every item is kept.
//
// Method
//  - Features: the headline's content words. Lowercased and accent-folded; syndication wrappers
//    dropped ("UPDATE 2-", "EXCLUSIVE-", "BREAKING:", a trailing "- Reuters" / "| CoinDesk"
//    byline); thousands separators and k/m/bn suffixes folded into one number ("$60K" = "$60,000");
//    possessives and plural -s stripped; stop words dropped. Word order is ignored: syndicated edits
//    reorder clauses more often than they change words.
//  - Similarity: Jaccard similarity of the two word sets, computed exactly.
//  - Candidates: MinHash with LSH banding (48 hashes in 24 bands of 2 rows), so an item is compared
//    with the few earlier items that share a band, not with every item in memory. With 2-row bands
//    a pair at Jaccard 0.5 becomes a candidate with probability 1 - (1 - 0.5²)²⁴ ≈ 0.999.
//  - Threshold: same story when Jaccard ≥ 0.5 (DEFAULT_THRESHOLD). Chosen on the labelled pairs in
//    story-grouper.test.ts (real headlines of one story from different outlets or syndication
//    edits, and real different-story pairs on the same topic): syndicated pairs score 0.5–1.0,
//    different stories on one topic 0.0–0.45 once the guards below apply; see ingest/README.md for
//    the figures.
//  - Guards: a pair over the threshold is still two stories when
//      direction: the words that differ disagree in direction (rise/inflow/approve/upgrade/above on
//        one side, fall/outflow/reject/downgrade/below on the other). "Bitcoin ETFs see record
//        inflows" and "… record outflows" score 0.67 but are opposite news, so they are two stories;
//      numbers: both carry numbers and share none ("Bitcoin tops $60,000" / "… $70,000");
//      assets: they name different assets ("SEC approves spot bitcoin ETFs" / "… ether ETFs");
//      names: a capitalised word (a name) differs on one side while the other has a different word
//        in its place ("Coinbase shares jump after earnings beat" / "Robinhood shares jump …").
//        In Title Case headlines only the first word counts as a name, so templated Title Case
//        headlines about different companies ("X : Form 8.3 - #X #Stock") still group when their
//        first word is shared: a known limitation.
//  - A new item joins the story of its most similar earlier item (single link); the story id is
//    the id of the story's first item, so that item's story_id equals its id.
//  - Memory is bounded: at most `capacity` items are remembered (oldest forgotten first), and an
//    item only joins a story whose matching item was published within `windowMs` of it.
import { normalizeTitle } from './item-id.ts';
import { tagAssets } from './asset-tagger.ts';

export const DEFAULT_THRESHOLD = 0.5;
const BANDS = 24;
const ROWS = 2;
const HASHES = BANDS * ROWS;
/**
 * Items kept per LSH bucket, newest first: a templated headline ("Bitcoin price today: BTC trades
 * near $X") would otherwise put every item in one bucket and make each assignment scan them all.
 */
const BUCKET_CAP = 32;

const STOP_WORDS = new Set(
  ('a an the and or but of to in on at for from by with as is are was were be been being it its this that these those ' +
    'after before over into than then so if about amid says said say new out off how why what who will would can could ' +
    'has have had not no more most just now here there via vs')
    .split(' '),
);

// Opposite directions: a pair whose difference holds a word of one side and a word of the other is
// two stories.
const UP_WORDS = new Set(
  'rise rises rose rising gain gains gained jump jumps jumped surge surges surged soar soars soared climb climbs climbed rally rallies rallied up above high higher highs record inflow inflows upgrade upgrades upgraded buy buys bought bull bullish approve approves approved approval win wins won beat beats top tops topped add adds added open opens opened launch launches launched lift lifts lifted'.split(' '),
);
const DOWN_WORDS = new Set(
  'fall falls fell falling drop drops dropped plunge plunges plunged slide slides slid slump slumps slumped sink sinks sank tumble tumbles tumbled down below low lower lows outflow outflows downgrade downgrades downgraded sell sells sold bear bearish reject rejects rejected rejection deny denies denied delay delays delayed lose loses lost miss misses missed cut cuts close closes closed halt halts halted ban bans banned'.split(' '),
);

/** Capitalised words that name a time or a home market, added or dropped freely by editors. */
const NOT_NAMES = new Set(
  'us uk eu january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday q1 q2 q3 q4'.split(' '),
);

const WRAPPER_PREFIX = /^\s*(?:(?:update|updated|corrected|refile|exclusive|breaking|analysis|insight|explainer|factbox|watch|video|live)\s*\d*\s*[-:–|]\s*)+/iu;
// A trailing byline: " - Reuters", " | CoinDesk", " — Bloomberg" (at most four words after the dash).
const BYLINE_SUFFIX = /\s+[-–—|]\s+(?:[\p{L}\p{N}.&']+\s?){1,4}$/u;

/** The set of content words of a headline (see the method above). */
export function storyFeatures(title: string): Set<string> {
  return contentWords(title).words;
}

function stem(raw: string): string {
  // Light stemming: plurals and third-person -s ("ETFs", "hits") fold into the singular.
  return raw.length > 3 && raw.endsWith('s') && !raw.endsWith('ss') && !/^\d/.test(raw) ? raw.slice(0, -1) : raw;
}

function contentWords(title: string): { words: Set<string>; names: Set<string> } {
  const stripped = title
    .replace(WRAPPER_PREFIX, '')
    .replace(BYLINE_SUFFIX, '')
    .replace(/\bU\.\s?([SKN])\.(?:\s?A\.)?/gu, 'U$1');
  const folded = stripped
    // "60,000" → "60000", "1.5bn" → "1500000000", "$60K" → "60000" before punctuation is dropped.
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/(\d+(?:\.\d+)?)\s?(k|m|mn|bn|b|billion|million|thousand)\b/giu, (_, n: string, unit: string) => {
      const scale: Record<string, number> = { k: 1e3, thousand: 1e3, m: 1e6, mn: 1e6, million: 1e6, b: 1e9, bn: 1e9, billion: 1e9 };
      return String(Math.round(Number(n) * (scale[unit.toLowerCase()] ?? 1)));
    })
    .replace(/['’]s\b/gu, '');
  const words = new Set<string>();
  for (const raw of normalizeTitle(folded).replace(/\$/g, ' ').split(' ')) {
    if (raw.length === 0 || STOP_WORDS.has(raw)) continue;
    words.add(stem(raw));
  }
  // Capitalised words are names ("Coinbase", "SEC", "Hong Kong"), unless the headline capitalises
  // every word (Title Case: no lower-case word of four letters or more).
  const names = new Set<string>();
  const tokens = folded.match(/[\p{L}\p{N}]+/gu) ?? [];
  const titleCase = !tokens.some((t) => t.length >= 4 && /^\p{Ll}/u.test(t));
  if (titleCase) {
    // Case says nothing here, but a headline's first word is nearly always its subject.
    const first = tokens.map((t) => stem(normalizeTitle(t))).find((w) => words.has(w));
    if (first !== undefined) names.add(first);
  } else {
    for (const t of tokens) {
      if (!/^\p{Lu}|^\p{N}+\p{Lu}/u.test(t) || NOT_NAMES.has(t.toLowerCase())) continue;
      const w = stem(normalizeTitle(t));
      if (words.has(w)) names.add(w);
    }
  }
  return { words, names };
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 0 : inter / union;
}

function hasAny(words: Iterable<string>, set: Set<string>): boolean {
  for (const w of words) if (set.has(w) || set.has(`${w}s`)) return true;
  return false;
}

function assetsOfWord(word: string): string[] {
  return tagAssets(`${word.charAt(0).toUpperCase()}${word.slice(1)} ${word}`);
}

interface Entry {
  id: string;
  /** Content words written capitalised (names), empty when the headline is in Title Case. */
  names: Set<string>;
  storyId: string;
  words: Set<string>;
  numbers: Set<string>;
  assets: string;
  at: number;
  bands: string[];
}

type Guard = 'direction' | 'numbers' | 'assets' | 'names';

/** Why two headlines over the threshold are still two stories, or null when they are one. */
function guard(a: Entry, b: Entry): Guard | null {
  const onlyA = [...a.words].filter((w) => !b.words.has(w));
  const onlyB = [...b.words].filter((w) => !a.words.has(w));
  // A name on one side and something else in its place on the other: another subject ("Coinbase
  // shares jump …" / "Robinhood shares jump …", "2U downgraded … at KeyBanc" / "Macerich downgraded …").
  const namedA = onlyA.some((w) => a.names.has(w));
  const namedB = onlyB.some((w) => b.names.has(w));
  if ((namedA && onlyB.length > 0) || (namedB && onlyA.length > 0)) return 'names';
  if ((hasAny(onlyA, UP_WORDS) && hasAny(onlyB, DOWN_WORDS)) || (hasAny(onlyA, DOWN_WORDS) && hasAny(onlyB, UP_WORDS))) {
    return 'direction';
  }
  if (a.numbers.size > 0 && b.numbers.size > 0 && ![...a.numbers].some((n) => b.numbers.has(n))) return 'numbers';
  if (a.assets !== '' && b.assets !== '' && a.assets !== b.assets) return 'assets';
  // Headlines lower-case asset names ("spot ether ETFs") where the tagger wants a capital: look at
  // the words that differ, capitalised.
  const assetsA = new Set(onlyA.flatMap(assetsOfWord));
  const assetsB = new Set(onlyB.flatMap(assetsOfWord));
  if (assetsA.size > 0 && assetsB.size > 0 && [...assetsA].some((x) => !assetsB.has(x))) return 'assets';
  return null;
}

// 32-bit FNV-1a, then one multiply-xorshift per MinHash function: cheap and well spread.
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
const SEEDS = Array.from({ length: HASHES }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) ^ 0x85ebca6b) >>> 0);
function mix(h: number, seed: number): number {
  let x = (h ^ seed) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function bandKeys(words: Set<string>): string[] {
  const mins = new Array<number>(HASHES).fill(0xffffffff);
  for (const w of words) {
    const h = fnv1a(w);
    for (let i = 0; i < HASHES; i++) {
      const v = mix(h, SEEDS[i] ?? 0);
      if (v < (mins[i] ?? 0)) mins[i] = v;
    }
  }
  const keys: string[] = [];
  for (let b = 0; b < BANDS; b++) keys.push(`${b}:${mins.slice(b * ROWS, b * ROWS + ROWS).join(',')}`);
  return keys;
}

export interface StoryGrouperOptions {
  /** Jaccard similarity of content words at or above which two headlines are one story. */
  threshold?: number;
  /** Items remembered; the oldest are forgotten first. */
  capacity?: number;
  /** Two items more than this far apart in publication time are never one story. */
  windowMs?: number;
}

export interface StoryGrouper {
  /** The story id of an item: the id of the first item of its story (its own id when it starts one). */
  assign(id: string, title: string, publishedAt: Date): string;
}

export function createStoryGrouper(opts: StoryGrouperOptions = {}): StoryGrouper {
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const capacity = opts.capacity ?? 50_000;
  const windowMs = opts.windowMs ?? 48 * 3600_000;
  const entries = new Map<string, Entry>();
  const buckets = new Map<string, Set<string>>();

  function forget(entry: Entry): void {
    entries.delete(entry.id);
    for (const key of entry.bands) {
      const bucket = buckets.get(key);
      bucket?.delete(entry.id);
      if (bucket?.size === 0) buckets.delete(key);
    }
  }

  return {
    assign(id, title, publishedAt) {
      const known = entries.get(id);
      if (known) return known.storyId;
      const at = publishedAt.getTime();
      const entry = entryOf(id, title, at);
      const words = entry.words;
      let best: Entry | undefined;
      let bestScore = threshold;
      const seen = new Set<string>();
      for (const key of entry.bands) {
        for (const otherId of buckets.get(key) ?? []) {
          if (seen.has(otherId)) continue;
          seen.add(otherId);
          const other = entries.get(otherId);
          if (!other || Math.abs(other.at - at) > windowMs) continue;
          const score = jaccard(words, other.words);
          if (score >= bestScore && guard(entry, other) === null) {
            best = other;
            bestScore = score;
          }
        }
      }
      if (best) entry.storyId = best.storyId;
      entries.set(id, entry);
      for (const key of entry.bands) {
        let bucket = buckets.get(key);
        if (!bucket) buckets.set(key, (bucket = new Set()));
        bucket.add(id);
        if (bucket.size > BUCKET_CAP) bucket.delete(bucket.values().next().value ?? '');
      }
      while (entries.size > capacity) {
        const oldest = entries.values().next().value;
        if (!oldest) break;
        forget(oldest);
      }
      return entry.storyId;
    },
  };
}

function entryOf(id: string, title: string, at: number): Entry {
  const { words, names } = contentWords(title);
  return {
    id,
    storyId: id,
    words,
    names,
    numbers: new Set([...words].filter((w) => /^\d/.test(w))),
    assets: tagAssets(title).join(','),
    at,
    bands: words.size === 0 ? [] : bandKeys(words),
  };
}

/** Similarity and guard verdict of two headlines, for tests and threshold tuning. */
export function compareHeadlines(a: string, b: string): { jaccard: number; guard: Guard | null } {
  const ea = entryOf('a', a, 0);
  const eb = entryOf('b', b, 0);
  return { jaccard: jaccard(ea.words, eb.words), guard: guard(ea, eb) };
}
