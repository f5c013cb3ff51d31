// The dashboard's one socket.io connection. Every payload is parsed against the schemas; per room
// (overall, or one asset) it becomes React state, except the chart series, which flows through a
// SeriesFeed so ticks never re-render. The overall room is always joined; `asset` is the one extra room.
import { ItemsResponse, SentimentValue, type AssetSymbol, type SentimentPoint } from '@barometer/schemas/api';
import { ScoredItem } from '@barometer/schemas/items';
import {
  DriftAlert,
  SentimentSnapshot,
  SentimentTick,
  SubscribeAck,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@barometer/schemas/socket';
import { useEffect, useReducer, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { getJson, isAbort, type ResponseSchema } from './api-client.ts';
import { createSeriesFeed, type SeriesFeed } from './series-feed.ts';

/** `stale`: the connection is gone for now (many failed retries, or the browser is offline), so what is shown is old. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'stale';

export interface RoomState {
  asset: AssetSymbol | null;
  /** `loading` until the room's snapshot arrives; `partial` when it came from REST because the socket room did not answer. */
  status: 'loading' | 'ready' | 'partial' | 'unavailable';
  current: SentimentValue | null;
  compare: SentimentSnapshot['compare'];
  /** Newest first, at most {@link MAX_ITEMS}. */
  items: readonly ScoredItem[];
}

export interface SentimentFeed {
  connection: ConnectionState;
  /** When the last server event arrived (ms since epoch), for "updated 3 min ago" while not live. */
  lastEventAt: number | null;
  /** Bumped on every (re)connect: views that loaded history over REST reload it, since ticks may have been missed. */
  epoch: number;
  /** The selected room (overall when no asset is selected). */
  room: RoomState;
  /** Snapshot series and ticks for the chart, outside React state. */
  series: SeriesFeed;
  /** The latest `drift:alert` since the page loaded. */
  driftAlert: DriftAlert | null;
}

export const MAX_ITEMS = 100;

/** Failed reconnects before the indicator says stale; socket.io keeps retrying regardless. */
const STALE_AFTER_ATTEMPTS = 5;
/** How long an asset room may take to send its snapshot before the REST fallback is tried. */
const SNAPSHOT_TIMEOUT_MS = 5_000;

interface FeedState {
  connection: ConnectionState;
  lastEventAt: number | null;
  epoch: number;
  rooms: Readonly<Record<string, RoomState>>;
}

type FeedAction =
  | { type: 'connection'; connection: ConnectionState }
  | { type: 'connected' }
  | { type: 'join'; asset: AssetSymbol | null }
  | { type: 'snapshot'; snapshot: SentimentSnapshot }
  | { type: 'tick'; tick: SentimentTick }
  | { type: 'item'; item: ScoredItem }
  | { type: 'fallback'; asset: AssetSymbol; current: SentimentValue | null; items: readonly ScoredItem[] | null };

const roomKey = (asset: AssetSymbol | null) => asset ?? '';

function emptyRoom(asset: AssetSymbol | null): RoomState {
  return { asset, status: 'loading', current: null, compare: null, items: [] };
}

const initialState: FeedState = { connection: 'connecting', lastEventAt: null, epoch: 0, rooms: { '': emptyRoom(null) } };

function withRoom(state: FeedState, asset: AssetSymbol | null, update: (room: RoomState) => RoomState): FeedState {
  const key = roomKey(asset);
  const room = state.rooms[key] ?? emptyRoom(asset);
  return { ...state, lastEventAt: Date.now(), rooms: { ...state.rooms, [key]: update(room) } };
}

/** Delivery is at-least-once: a redelivered id replaces its earlier copy instead of doubling it. */
function prepend(items: readonly ScoredItem[], item: ScoredItem): readonly ScoredItem[] {
  return [item, ...items.filter((other) => other.id !== item.id)].slice(0, MAX_ITEMS);
}

function reduceFeed(state: FeedState, action: FeedAction): FeedState {
  switch (action.type) {
    case 'connection':
      return state.connection === action.connection ? state : { ...state, connection: action.connection };
    case 'connected':
      return { ...state, connection: 'live', lastEventAt: Date.now(), epoch: state.epoch + 1 };
    case 'join':
      // A room left earlier missed its ticks; it starts over and waits for the snapshot the join brings.
      return { ...state, rooms: { ...state.rooms, [roomKey(action.asset)]: emptyRoom(action.asset) } };
    case 'snapshot':
      return withRoom(state, action.snapshot.asset, (room) => ({
        ...room,
        status: 'ready',
        current: action.snapshot.current,
        compare: action.snapshot.compare,
        items: action.snapshot.items.slice(0, MAX_ITEMS),
      }));
    case 'tick':
      return withRoom(state, action.tick.asset, (room) => ({ ...room, current: action.tick.current }));
    case 'item': {
      // item:scored goes to every client; each room we hold keeps the items about its asset.
      const rooms: Record<string, RoomState> = {};
      for (const [key, room] of Object.entries(state.rooms)) {
        rooms[key] = room.asset === null || action.item.assets.includes(room.asset) ? { ...room, items: prepend(room.items, action.item) } : room;
      }
      return { ...state, lastEventAt: Date.now(), rooms };
    }
    case 'fallback':
      return withRoom(state, action.asset, (room) =>
        room.status === 'ready'
          ? room
          : {
              ...room,
              status: action.current || action.items ? 'partial' : 'unavailable',
              current: action.current ?? room.current,
              items: action.items ?? room.items,
            },
      );
  }
}

/**
 * The series point a tick stands for. The gateway leaves `point` null when the current minute holds no
 * new item (a late item, or the window sliding), yet the value moved: the history is gap-filled, so the
 * current minute still has the window's value, and the chart must show it move.
 */
function pointOf(value: SentimentValue): SentimentPoint | null {
  if (value.value === null || value.n < 1) return null;
  const time = Math.floor(Date.parse(value.as_of) / 60_000) * 60;
  return { time, value: value.value, n: value.n, low: value.band?.low ?? null, high: value.band?.high ?? null };
}

/** socket.io's generics only describe the payloads; the schemas check them (STYLE #5). */
function parsePayload<T>(schema: ResponseSchema<T>, event: string, payload: unknown): T | null {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  console.warn(`barometer: dropped an invalid ${event} payload`, result.error.issues);
  return null;
}

/**
 * When an asset room sends no snapshot (a gateway without rooms, or one that refused), the REST API
 * still answers for that asset. A response for another filter (a gateway that ignores `asset`) is
 * not this asset's number, so it counts as unavailable.
 */
async function fetchRoomFallback(asset: AssetSymbol, signal: AbortSignal): Promise<FeedAction> {
  const [value, items] = await Promise.all([
    getJson('/api/v1/sentiment', { window: '24h', asset }, SentimentValue, signal),
    getJson('/api/v1/items', { asset, limit: 50 }, ItemsResponse, signal),
  ]);
  return {
    type: 'fallback',
    asset,
    current: value.ok && value.data.asset === asset ? value.data : null,
    items: items.ok ? items.data.items.filter((item) => item.assets.includes(asset)) : null,
  };
}

/** Opens the socket on mount (same origin, default `/socket.io` path), joins `asset`'s room, and closes on unmount. */
export function useSentimentSocket(asset: AssetSymbol | null): SentimentFeed {
  const [state, dispatch] = useReducer(reduceFeed, initialState);
  const [series] = useState(createSeriesFeed);
  const [driftAlert, setDriftAlert] = useState<DriftAlert | null>(null);
  // WebSocket only: any gateway replica can take the connection, no sticky sessions behind a balancer.
  const [socket] = useState<Socket<ServerToClientEvents, ClientToServerEvents>>(() => io({ autoConnect: false, transports: ['websocket'] }));
  const assetRef = useRef(asset);
  assetRef.current = asset;
  const roomsRef = useRef(state.rooms);
  roomsRef.current = state.rooms;

  useEffect(() => {
    const manager = socket.io;
    const setConnection = (connection: ConnectionState) => dispatch({ type: 'connection', connection });
    let everConnected = false;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;

    socket.on('connect', () => {
      everConnected = true;
      dispatch({ type: 'connected' });
      // A new session (not a recovered one) starts in the overall room only.
      const selected = assetRef.current;
      if (selected && !socket.recovered) socket.emit('subscribe', { assets: [selected] });
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
        setConnection('stale');
      }
    });
    socket.on('connect_error', () => {
      if (!socket.active) setConnection('stale');
    });
    const onReconnectAttempt = (attempt: number) => {
      if (attempt > STALE_AFTER_ATTEMPTS) setConnection('stale');
      else setConnection(everConnected ? 'reconnecting' : 'connecting');
    };
    manager.on('reconnect_attempt', onReconnectAttempt);

    socket.on('sentiment:snapshot', (payload) => {
      const snapshot = parsePayload(SentimentSnapshot, 'sentiment:snapshot', payload);
      if (!snapshot) return;
      series.load(snapshot.asset, snapshot.series);
      dispatch({ type: 'snapshot', snapshot });
    });
    socket.on('sentiment:tick', (payload) => {
      const tick = parsePayload(SentimentTick, 'sentiment:tick', payload);
      if (!tick) return;
      const point = tick.point ?? pointOf(tick.current);
      if (point) series.apply(tick.asset, point);
      dispatch({ type: 'tick', tick });
    });
    socket.on('item:scored', (payload) => {
      const item = parsePayload(ScoredItem, 'item:scored', payload);
      if (item) dispatch({ type: 'item', item });
    });
    socket.on('drift:alert', (payload) => {
      const alert = parsePayload(DriftAlert, 'drift:alert', payload);
      if (alert) setDriftAlert(alert);
    });

    const onBrowserOffline = () => setConnection('stale');
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
  }, [socket, series]);

  // Joining and leaving the selected asset's room; the connect handler re-joins after a reconnect.
  useEffect(() => {
    if (!asset) return;
    dispatch({ type: 'join', asset });
    if (socket.connected) {
      socket.emit('subscribe', { assets: [asset] }, (payload) => {
        const ack = parsePayload(SubscribeAck, 'subscribe ack', payload);
        if (ack && !ack.ok) console.warn(`barometer: the gateway refused the ${asset} room: ${ack.error}`);
      });
    }
    const abort = new AbortController();
    const fallbackTimer = setTimeout(() => {
      if (roomsRef.current[roomKey(asset)]?.status === 'ready') return;
      fetchRoomFallback(asset, abort.signal).then(dispatch, (err: unknown) => {
        if (!isAbort(err)) console.warn('barometer: room fallback failed', err);
      });
    }, SNAPSHOT_TIMEOUT_MS);
    return () => {
      clearTimeout(fallbackTimer);
      abort.abort();
      if (socket.connected) socket.emit('unsubscribe', { assets: [asset] });
    };
  }, [socket, asset]);

  const room = state.rooms[roomKey(asset)] ?? emptyRoom(asset);
  return { connection: state.connection, lastEventAt: state.lastEventAt, epoch: state.epoch, room, series, driftAlert };
}
