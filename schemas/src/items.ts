// Item messages on the raw, scored and dead-letter topics. Field names are snake_case on every wire
// (Kafka, socket.io, REST) so they match the ClickHouse columns analysts query.
import { z } from 'zod';

/** An ISO-8601 instant in UTC with a trailing `Z`; offsets are normalized away at ingestion. */
export const UtcInstant = z.iso.datetime({ offset: false, precision: 3 });
export type UtcInstant = z.infer<typeof UtcInstant>;

/** Where an item came from: a news feed, or one of the social networks (each is a source plug-in in `ingest/`). */
export const SourceKind = z.enum(['rss', 'x', 'mastodon', 'bluesky', 'reddit', 'social']);
export type SourceKind = z.infer<typeof SourceKind>;

export const SentimentLabel = z.enum(['negative', 'neutral', 'positive']);
export type SentimentLabel = z.infer<typeof SentimentLabel>;

/** Item ids are hex digests of the normalized title: the same headline from two outlets is one item. */
export const ItemId = z.string().regex(/^[0-9a-f]{32}$/, 'item id must be 32 lowercase hex characters');

/** An ingested item on `barometer.items.raw.v1`, keyed by `id`. */
export const RawItem = z.object({
  v: z.literal(1),
  id: ItemId,
  title: z.string().min(1).max(1000),
  // Only web links: a `javascript:` URL in a feed must never reach a dashboard as a link.
  url: z.url({ protocol: /^https?$/ }).max(2048).nullable(),
  /** Outlet or account the item came from, e.g. `coindesk.com`. */
  source: z.string().min(1).max(200),
  source_kind: SourceKind,
  /** When the outlet published it; never later than `ingested_at` (clamped at ingestion). */
  published_at: UtcInstant,
  ingested_at: UtcInstant,
  /** Asset symbols the item is about (`BTC`, `ETH`, `SPX`, …), upper case; empty when none was recognised. */
  assets: z.array(z.string().min(1).max(20)).max(50).default([]),
  /**
   * The story this item belongs to: near-duplicates (one story syndicated with small edits) share it,
   * so an index can count a story once while every item is kept. Equal to `id` for a story's first item.
   */
  story_id: ItemId,
  /** ISO 639-1 language code detected at ingestion (`en`, `es`, …), or `und` when undetermined. */
  lang: z.string().regex(/^([a-z]{2,3}|und)$/, 'lang must be an ISO 639 code or und'),
});
export type RawItem = z.infer<typeof RawItem>;

const Probability = z.number().min(0).max(1);

/** The model's output for one text: three probabilities that sum to 1, and what follows from them. */
export const SentimentFields = z.object({
  negative: Probability,
  neutral: Probability,
  positive: Probability,
  label: SentimentLabel,
  /** Shannon entropy of the three probabilities in nats: 0 = certain, ln 3 ≈ 1.0986 = uniform. */
  entropy: z.number().min(0).max(1.0987),
  /** `positive - negative`, in [-1, 1]: the quantity every index averages. */
  score: z.number().min(-1).max(1),
  model_version: z.string().min(1).max(100),
  scored_at: UtcInstant,
});

/** Three class probabilities, as a model outputs them. */
export interface ClassProbabilities {
  negative: number;
  neutral: number;
  positive: number;
}

/** The most probable label; ties go to the earlier label in negative, neutral, positive order. */
export function labelOf(s: ClassProbabilities): SentimentLabel {
  let best: SentimentLabel = 'negative';
  for (const label of ['neutral', 'positive'] as const) {
    if (s[label] > s[best]) best = label;
  }
  return best;
}

/** Shannon entropy in nats: 0 for a certain prediction, ln 3 ≈ 1.0986 for a uniform one. */
export function entropyOf(s: ClassProbabilities): number {
  let h = 0;
  for (const p of [s.negative, s.neutral, s.positive]) {
    // p · ln p → 0 as p → 0, so zero probabilities contribute nothing.
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

const sumsToOne = (s: { negative: number; neutral: number; positive: number }) =>
  Math.abs(s.negative + s.neutral + s.positive - 1) < 1e-4;
const sumsToOneMessage = { message: 'negative + neutral + positive must sum to 1' };

export const Sentiment = SentimentFields.refine(sumsToOne, sumsToOneMessage);
export type Sentiment = z.infer<typeof Sentiment>;

/** A scored item on `barometer.items.scored.v1` and a row of `barometer.scored_items`. */
export const ScoredItem = RawItem.extend(SentimentFields.shape).refine(sumsToOne, sumsToOneMessage);
export type ScoredItem = z.infer<typeof ScoredItem>;

export const DlqReason = z.enum(['invalid_json', 'invalid_schema', 'too_large', 'invalid_utf8', 'scoring_failed']);
export type DlqReason = z.infer<typeof DlqReason>;

/**
 * A rejected message on `barometer.items.dlq.v1`. The original bytes travel base64-encoded, so a
 * message that was not even valid UTF-8 is kept whole and can be replayed once the cause is fixed.
 */
export const DlqMessage = z.object({
  v: z.literal(1),
  reason: DlqReason,
  /** Human-readable detail, e.g. the zod issues that failed. */
  detail: z.string().max(4000),
  source_topic: z.string(),
  partition: z.number().int().min(0),
  offset: z.string().regex(/^\d+$/),
  key: z.string().nullable(),
  value_base64: z.string(),
  failed_at: UtcInstant,
  /** The service that rejected it, e.g. `scoring`. */
  rejected_by: z.string(),
});
export type DlqMessage = z.infer<typeof DlqMessage>;
