// The socket.io event contract, used as the generics of the server's `Server` and the client's `Socket`.
import { z } from 'zod';
import { ScoredItem } from './items.ts';
import { SentimentPoint, SentimentValue } from './api.ts';

/** Sent once on connect: everything a client needs to draw the dashboard without another request. */
export const SentimentSnapshot = z.object({
  current: SentimentValue,
  /** The rolling 24 h value at each minute of the last 24 h that had items, oldest first. */
  series: z.array(SentimentPoint),
  items: z.array(ScoredItem),
});
export type SentimentSnapshot = z.infer<typeof SentimentSnapshot>;

/** Sent when the rolling 24 h value changes: the new value and the series point for its minute. */
export const SentimentTick = z.object({
  current: SentimentValue,
  point: SentimentPoint.nullable(),
});
export type SentimentTick = z.infer<typeof SentimentTick>;

export interface ServerToClientEvents {
  'sentiment:snapshot': (snapshot: SentimentSnapshot) => void;
  'sentiment:tick': (tick: SentimentTick) => void;
  'item:scored': (item: ScoredItem) => void;
}

// Clients only listen in this version; per-asset subscriptions arrive with the asset rooms.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClientToServerEvents {}
