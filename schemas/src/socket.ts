// The socket.io event contract, used as the generics of the server's `Server` and the client's `Socket`.
import { z } from 'zod';
import { ScoredItem, UtcInstant } from './items.ts';
import { AssetSymbol, DriftReport, SentimentPoint, SentimentValue } from './api.ts';

/** Per-connection limit on asset rooms, so one client cannot make the gateway track every asset. */
export const MAX_SUBSCRIPTIONS = 20;

/** Sent once on connect: everything a client needs to draw the dashboard without another request. */
export const SentimentSnapshot = z.object({
  /** The room: null = overall, else the asset symbol. */
  asset: AssetSymbol.nullable().default(null),
  current: SentimentValue,
  /** The 24 h value as it was 1, 7 and 30 days ago, for "yesterday / last week / last month". */
  compare: z
    .object({ yesterday: SentimentValue, last_week: SentimentValue, last_month: SentimentValue })
    .nullable()
    .default(null),
  /** The rolling 24 h value at each minute of the last 24 h that had items, oldest first. */
  series: z.array(SentimentPoint),
  items: z.array(ScoredItem),
});
export type SentimentSnapshot = z.infer<typeof SentimentSnapshot>;

/** Sent when the rolling 24 h value changes: the new value and the series point for its minute. */
export const SentimentTick = z.object({
  asset: AssetSymbol.nullable().default(null),
  current: SentimentValue,
  point: SentimentPoint.nullable(),
});
export type SentimentTick = z.infer<typeof SentimentTick>;

/**
 * Sent to every client when a drift check finds a feature over its threshold and the previous check
 * did not (edge-triggered); nothing is sent while it stays over, nor when it falls back.
 */
export const DriftAlert = z.object({
  feature: DriftReport.shape.feature,
  psi: z.number().min(0),
  threshold: z.number(),
  at: UtcInstant,
});
export type DriftAlert = z.infer<typeof DriftAlert>;

export interface ServerToClientEvents {
  'sentiment:snapshot': (snapshot: SentimentSnapshot) => void;
  'sentiment:tick': (tick: SentimentTick) => void;
  'item:scored': (item: ScoredItem) => void;
  'drift:alert': (alert: DriftAlert) => void;
}

/** `subscribe` / `unsubscribe` payload: asset rooms to join or leave (the overall room is always joined). */
export const SubscribeRequest = z.object({ assets: z.array(AssetSymbol).min(1).max(MAX_SUBSCRIPTIONS) });
export type SubscribeRequest = z.infer<typeof SubscribeRequest>;

/** The ack of `subscribe`/`unsubscribe`: the rooms now held, or why the request was refused. */
export const SubscribeAck = z.union([
  z.object({ ok: z.literal(true), assets: z.array(AssetSymbol) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type SubscribeAck = z.infer<typeof SubscribeAck>;

/**
 * On connect a client is in the overall room and receives its snapshot. `subscribe` joins asset rooms:
 * one `sentiment:snapshot` per newly joined room follows, then that room's ticks (`asset` set). Ticks
 * are sent at most once per second per room; `item:scored` and `drift:alert` go to every client.
 */
export interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack?: (ack: SubscribeAck) => void) => void;
  unsubscribe: (request: SubscribeRequest, ack?: (ack: SubscribeAck) => void) => void;
}
