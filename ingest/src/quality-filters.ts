// The quality filters a cleaned item must pass before it is published; each one can be switched off.
import { z } from 'zod';

/** Why an item was not published; `empty` (nothing left after cleaning) and `invalid` (failed the schema) are not switchable. */
export const FilterReason = z.enum(['empty', 'invalid', 'language', 'too_short', 'question', 'clickbait', 'too_old']);
export type FilterReason = z.infer<typeof FilterReason>;

export interface QualityFilters {
  /** Languages kept; an item detected as another language is dropped (and counted) when this filter is on. */
  language: { enabled: boolean; keep: string[]; keepUndetermined: boolean };
  minWords: { enabled: boolean; min: number };
  questions: { enabled: boolean };
  clickbait: { enabled: boolean };
  maxAge: { enabled: boolean; hours: number };
}

export const DEFAULT_FILTERS: QualityFilters = {
  language: { enabled: true, keep: ['en'], keepUndetermined: true },
  minWords: { enabled: true, min: 5 },
  questions: { enabled: true },
  clickbait: { enabled: true },
  maxAge: { enabled: true, hours: 72 },
};

/** What a filter looks at: the cleaned text, its detected language, its publication time. */
export interface FilterInput {
  text: string;
  lang: string;
  publishedAt: Date;
}

/** Languages written without spaces between words: two characters stand in for a word. */
const UNSPACED = new Set(['zh', 'ja', 'th']);

export function countWords(text: string, lang: string): number {
  if (UNSPACED.has(lang)) return Math.ceil(text.replace(/[^\p{L}\p{N}]/gu, '').length / 2);
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/** A question headline ("Is Bitcoin dead?", "¿Sube el bitcoin?") asks rather than reports. */
export function isQuestion(text: string): boolean {
  return /[?？]["'”’)\]]*$/u.test(text.trim()) || /^¿/.test(text.trim());
}

// Listicles and curiosity gaps: the headline withholds the news to get the click.
const CLICKBAIT: RegExp[] = [
  /^(top\s+)?\d{1,3}\s+(best|top|things|ways|reasons|signs|tips|tricks|facts|coins|cryptos?|altcoins|tokens|stocks|mistakes|secrets|lessons|rules|charts?|predictions)\b/i,
  /^(top|the\s+\d{1,3})\s+\d{0,3}\s*(best|things|ways|reasons|coins|altcoins|cryptos?|tokens|stocks)\b/i,
  /\byou\s+(won'?t|will\s+not|wont)\s+believe\b/i,
  /\b(here'?s|this\s+is)\s+(why|how|what)\b/i,
  /\bwhat\s+happen(s|ed)\s+next\b/i,
  /\b(shocking|mind-?blowing|jaw-?dropping|unbelievable)\b/i,
  /\beverything\s+you\s+need\s+to\s+know\b/i,
  /\b(must[- ]see|must[- ]read|don'?t\s+miss)\b/i,
  /\b(could|will)\s+make\s+you\s+(rich|a\s+millionaire)\b/i,
  /\b\d+x\s+(gem|moonshot)s?\b|\b(next|hidden)\s+(100x|1000x|gem)\b/i,
  /\bsponsored\b|\bpress\s+release\b|^\s*\[?(ad|pr)\]?\s*[:|-]/i,
];

export function isClickbait(text: string): boolean {
  return CLICKBAIT.some((re) => re.test(text));
}

/** The first filter that rejects the item, or null when it passes all the enabled ones. */
export function rejectionOf(input: FilterInput, filters: QualityFilters, now: Date): FilterReason | null {
  const { language, minWords, questions, clickbait, maxAge } = filters;
  if (language.enabled && !language.keep.includes(input.lang) && !(input.lang === 'und' && language.keepUndetermined)) return 'language';
  if (minWords.enabled && countWords(input.text, input.lang) < minWords.min) return 'too_short';
  if (questions.enabled && isQuestion(input.text)) return 'question';
  if (clickbait.enabled && isClickbait(input.text)) return 'clickbait';
  if (maxAge.enabled && now.getTime() - input.publishedAt.getTime() > maxAge.hours * 3_600_000) return 'too_old';
  return null;
}
