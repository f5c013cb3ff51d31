// Stable item ids: the same headline from two outlets, or polled twice, gets the same id.
import { createHash } from 'node:crypto';

/**
 * Lowercase, fold accents, drop punctuation and collapse whitespace, so "Bitcoin Hits $100K!" and
 * "bitcoin hits $100k" are one headline.
 */
export function normalizeTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}$%]+/gu, ' ')
    .trim();
}

/** First 128 bits of SHA-256 of the normalized title, as 32 hex characters. */
export function itemIdOf(title: string): string {
  return createHash('sha256').update(normalizeTitle(title)).digest('hex').slice(0, 32);
}
