// The dashboard's one socket.io connection: every payload is parsed against the schemas and becomes
// React state, except the chart series, which flows through a subscription so ticks never re-render.
import type { SentimentValue } from '@barometer/schemas/api';
import { ScoredItem } from '@barometer/schemas/items';
import {
  SentimentSnapshot,
  SentimentTick,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@barometer/schemas/socket';
import { useEffect, useReducer, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { createSeriesFeed, type SeriesFeed } from './series-feed.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface SentimentFeed {
  connection: ConnectionState;
  /** The latest snapshot as received; replaced on every (re)connect. */
  snapshot: SentimentSnapshot | null;
  /** The current rolling 24 h value: from the snapshot, then from each tick. */
  current: SentimentValue | null;
  /** Newest first, at most {@link MAX_ITEMS}. */
  items: readonly ScoredItem[];
  /** History and ticks for the chart, outside React state. */
  series: SeriesFeed;
}

export const MAX_ITEMS = 100;

/** Failed reconnects before the indicator says offline; socket.io keeps retrying regardless. */
const OFFLINE_AFTER_ATTEMPTS = 5;

interface FeedState {
  connection: ConnectionState;
  snapshot: SentimentSnapshot | null;
  current: SentimentValue | null;
  items: readonly ScoredItem[];
}

type FeedAction =
  | { type: 'connection'; connection: ConnectionState }
  | { type: 'snapshot'; snapshot: SentimentSnapshot }
  | { type: 'tick'; tick: SentimentTick }
  | { type: 'item'; item: ScoredItem };

const initialState: FeedState = { connection: 'connecting', snapshot: null, current: null, items: [] };

function reduceFeed(state: FeedState, action: FeedAction): FeedState {
  switch (action.type) {
    case 'connection':
      return state.connection === action.connection ? state : { ...state, connection: action.connection };
    case 'snapshot':
      return {
        ...state,
        snapshot: action.snapshot,
        current: action.snapshot.current,
        items: action.snapshot.items.slice(0, MAX_ITEMS),
      };
    case 'tick':
      return { ...state, current: action.tick.current };
    case 'item': {
      // Delivery is at-least-once: a redelivered id replaces its earlier copy instead of doubling it.
      const others = state.items.filter((item) => item.id !== action.item.id);
      return { ...state, items: [action.item, ...others].slice(0, MAX_ITEMS) };
    }
  }
}

/** The part of a zod schema used here; typed structurally so the frontend needs no direct zod dependency. */
interface PayloadSchema<T> {
  safeParse(payload: unknown): { success: true; data: T } | { success: false; error: { issues: readonly unknown[] } };
}

/** socket.io's generics only describe the payloads; the schemas check them (STYLE #5). */
function parsePayload<T>(schema: PayloadSchema<T>, event: string, payload: unknown): T | null {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  console.warn(`barometer: dropped an invalid ${event} payload`, result.error.issues);
  return null;
}

/** Opens the socket on mount (same origin, default `/socket.io` path) and closes it on unmount. */
export function useSentimentSocket(): SentimentFeed {
  const [state, dispatch] = useReducer(reduceFeed, initialState);
  const [series] = useState(createSeriesFeed);

  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ autoConnect: false });
    const manager = socket.io;
    const setConnection = (connection: ConnectionState) => dispatch({ type: 'connection', connection });
    let everConnected = false;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;

    socket.on('connect', () => {
      everConnected = true;
      setConnection('live');
    });
    socket.on('disconnect', (reason) => {
      if (socket.active) {
        setConnection('reconnecting');
      } else if (reason === 'io server disconnect') {
        // The gateway disconnects every client when it shuts down; socket.io does not retry that on its
        // own (https://socket.io/docs/v4/client-socket-instance/#disconnect), but a restart is the usual cause.
        setConnection('reconnecting');
        retryTimer = setTimeout(() => socket.connect(), 1000 + Math.random() * 2000);
      } else {
        setConnection('offline');
      }
    });
    socket.on('connect_error', () => {
      if (!socket.active) setConnection('offline');
    });
    const onReconnectAttempt = (attempt: number) => {
      if (attempt > OFFLINE_AFTER_ATTEMPTS) setConnection('offline');
      else setConnection(everConnected ? 'reconnecting' : 'connecting');
    };
    manager.on('reconnect_attempt', onReconnectAttempt);

    socket.on('sentiment:snapshot', (payload) => {
      const snapshot = parsePayload(SentimentSnapshot, 'sentiment:snapshot', payload);
      if (!snapshot) return;
      series.load(snapshot.series);
      dispatch({ type: 'snapshot', snapshot });
    });
    socket.on('sentiment:tick', (payload) => {
      const tick = parsePayload(SentimentTick, 'sentiment:tick', payload);
      if (!tick) return;
      if (tick.point) series.apply(tick.point);
      dispatch({ type: 'tick', tick });
    });
    socket.on('item:scored', (payload) => {
      const item = parsePayload(ScoredItem, 'item:scored', payload);
      if (item) dispatch({ type: 'item', item });
    });

    const onBrowserOffline = () => setConnection('offline');
    const onBrowserOnline = () => {
      if (socket.connected) return;
      setConnection(everConnected ? 'reconnecting' : 'connecting');
      if (!socket.active) socket.connect();
    };
    window.addEventListener('offline', onBrowserOffline);
    window.addEventListener('online', onBrowserOnline);

    socket.connect();

    return () => {
      clearTimeout(retryTimer);
      window.removeEventListener('offline', onBrowserOffline);
      window.removeEventListener('online', onBrowserOnline);
      manager.off('reconnect_attempt', onReconnectAttempt);
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [series]);

  return { ...state, series };
}
