// The plug-in seam of ingest: every source (RSS feeds, X, Mastodon, …) turns what it reads into
// candidate items and hands them to one sink; the ingest pipeline does everything else (cleaning,
// filters, ids, language, assets, story grouping, dedup, publishing, health records) in one place.
import type { SourceKind, UtcInstant } from '@barometer/schemas/items';

/** What a source read, before the pipeline cleans, filters and identifies it. */
export interface CandidateItem {
  /** Headline, or the text of a social post; may still hold HTML, entities, URLs and emoji. */
  title: string;
  /** Link to the item, if any; only http(s) survives the pipeline. */
  url: string | null;
  /** Outlet or account, e.g. `coindesk.com` or `@whale_alert@mastodon.social`. */
  source: string;
  source_kind: SourceKind;
  /** When the source says it was published, if it says; missing or future times are clamped to ingestion. */
  published_at: UtcInstant | null;
  /** A language the source declared (feed `<language>`, post `lang`), if any: a hint for detection. */
  lang_hint?: string | null;
}

/** Per-read figures a source reports with each batch, for its health record. */
export interface SourceReadInfo {
  /** Entries read, including ones the source itself dropped as unusable (no title, …). */
  seen: number;
}

export interface ItemSink {
  /** Hands a batch to the pipeline; resolves once the items that survive are published. */
  publish(source: IngestSource, items: CandidateItem[], info: SourceReadInfo): Promise<{ published: number }>;
  /** A failed read, recorded in the source's health; the source keeps running (with backoff). */
  failed(source: IngestSource, error: Error & { code?: string }): void;
  /** A successful read that found nothing new (e.g. HTTP 304). */
  succeeded(source: IngestSource): void;
}

/**
 * One source of items. `start` begins polling or streaming and returns once it is running (a source
 * that cannot run, e.g. X without a token, logs why and stays idle); `stop` ends it, waiting for any
 * read in flight. Sources never throw out of their loop: failures go to `sink.failed`.
 */
export interface IngestSource {
  /** Stable id, e.g. `rss:https://…` or `mastodon:mastodon.social#bitcoin`; the health record's key. */
  readonly id: string;
  readonly kind: SourceKind;
  /** Human name: the outlet or the stream. */
  readonly name: string;
  /** False when configuration turned it off (health shows `disabled`). */
  readonly enabled: boolean;
  start(sink: ItemSink): Promise<void>;
  stop(): Promise<void>;
  /** When the next read is due, for the health record; null for streams. */
  nextPollAt(): Date | null;
  /**
   * Polling sources only: reads now (after any read in flight) and resolves once the sink has the
   * result. `ingest.pollAll()` uses it; streams leave it out.
   */
  pollNow?(): Promise<void>;
}
