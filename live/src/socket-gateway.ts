// The socket side of the gateway: per-room feeds (overall, plus each asset at least one client holds),
// snapshot-then-stream on connect and on subscribe, `item:scored` to everyone, and throttled ticks
// computed once per room (one ClickHouse query per room per tick, never one per client).
import { z } from 'zod';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import type { ScoredItem } from '@barometer/schemas/items';
import { MAX_SUBSCRIPTIONS, SubscribeRequest, type SentimentTick, type SubscribeAck } from '@barometer/schemas/socket';
import type { LiveSocket, LiveSocketServer } from './app.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import { createRoomFeed, type RoomFeed } from './room-feed.ts';

export interface SocketGatewayDeps {
  io: LiveSocketServer;
  clickhouse: ClickHouseClient;
  log: Logger;
  metrics: GatewayMetrics;
  /** Least time between two ticks of one room. */
  tickIntervalMs?: number;
  /** Full reload of a room: picks up the window sliding and late-arriving items. */
  reloadIntervalMs?: number;
  now?: () => Date;
}

export interface SocketGateway {
  /** Loads the overall room and starts the tick loop. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A scored item from the topic: sent to every client, and marks its rooms for the next tick. False for a redelivery. */
  publish(item: ScoredItem): boolean;
  /** Rooms with a live feed, overall included. */
  roomCount(): number;
}

interface Room {
  feed: RoomFeed;
  /** Connections subscribed (the overall room is never dropped, so it is not counted). */
  members: number;
  /** An item for this room arrived since its last refresh. */
  dirty: boolean;
  lastReload: number;
  /** The first load; a snapshot waits for it. */
  ready: Promise<void>;
  failed: boolean;
  /** When this room last emitted a tick (ms), and the newest tick held back until an interval has passed since. */
  lastEmit: number;
  held: SentimentTick | null;
  heldTimer: NodeJS.Timeout | undefined;
}

const OVERALL = 'overall';
/** Subscribe/unsubscribe requests one connection may make per window: each new room costs a few queries. */
export const ROOM_REQUESTS_PER_WINDOW = 10;
const ROOM_REQUEST_WINDOW_MS = 10_000;
const roomName = (asset: string | null) => (asset === null ? OVERALL : `asset:${asset}`);

function ackWith(ack: unknown, value: SubscribeAck): void {
  if (typeof ack === 'function') (ack as (a: SubscribeAck) => void)(value);
}

export function createSocketGateway(deps: SocketGatewayDeps): SocketGateway {
  const log = deps.log.child({ component: 'socket' });
  const { io, metrics } = deps;
  const now = deps.now ?? (() => new Date());
  const tickIntervalMs = deps.tickIntervalMs ?? 1000;
  const reloadIntervalMs = deps.reloadIntervalMs ?? 60_000;
  const rooms = new Map<string | null, Room>();
  // Ids delivered recently, so a redelivered scored message is not shown twice.
  const recentIds = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;

  /** (Re)loads a room; `ready` rejects on failure and the next acquire tries again. */
  function load(room: Room): void {
    room.failed = false;
    room.ready = room.feed.reload().then(
      () => undefined,
      (err: unknown) => {
        room.failed = true;
        throw err;
      },
    );
    // Whoever waits sees the error; nobody waiting must not make it an unhandled rejection.
    room.ready.catch(() => undefined);
  }

  function openRoom(asset: string | null): Room {
    const feed = createRoomFeed({ clickhouse: deps.clickhouse, asset, now });
    const room: Room = { feed, members: 0, dirty: false, lastReload: Date.now(), ready: Promise.resolve(), failed: false, lastEmit: 0, held: null, heldTimer: undefined };
    load(room);
    rooms.set(asset, room);
    return room;
  }

  /** Counts a member in; `opened` says whether the room had no feed until now (its clients missed its ticks). */
  function acquire(asset: string): { room: Room; opened: boolean } {
    const existing = rooms.get(asset);
    const room = existing ?? openRoom(asset);
    if (room.failed) load(room);
    room.members++;
    return { room, opened: !existing };
  }

  function release(asset: string): void {
    const room = rooms.get(asset);
    if (!room) return;
    room.members--;
    // The last client left: stop querying for this asset.
    if (room.members <= 0) {
      clearTimeout(room.heldTimer);
      rooms.delete(asset);
    }
  }

  function emitTick(tick: SentimentTick): void {
    const name = roomName(tick.asset);
    const start = process.hrtime.bigint();
    io.to(name).emit('sentiment:tick', tick);
    metrics.tickFanoutSeconds.observe(Number(process.hrtime.bigint() - start) / 1e9);
    metrics.ticks.inc();
    metrics.tickDeliveries.inc(io.sockets.adapter.rooms.get(name)?.size ?? 0);
  }

  /**
   * Emits a room's tick at least an interval after its previous one. A pass's tick goes out when its query returns,
   * so a slow query followed by a fast one would put two ticks closer than the interval; such a tick is held until the
   * interval is up, and a newer one replaces it meanwhile (clients want the latest figure, not every one).
   */
  function deliver(room: Room, tick: SentimentTick): void {
    const wait = room.lastEmit + tickIntervalMs - Date.now();
    if (wait <= 0) {
      // A held tick whose timer the event loop has not run yet is older than this one: drop it, or it would
      // follow this one out of order and within the interval.
      clearTimeout(room.heldTimer);
      room.held = null;
      room.heldTimer = undefined;
      room.lastEmit = Date.now();
      emitTick(tick);
      return;
    }
    room.held = tick;
    room.heldTimer ??= setTimeout(() => {
      const held = room.held;
      room.held = null;
      room.heldTimer = undefined;
      if (held && rooms.get(room.feed.asset) === room) {
        room.lastEmit = Date.now();
        emitTick(held);
      }
    }, wait);
  }

  /** One pass of the loop: each room with news refreshes once, each room due reloads; at most one tick per room. */
  async function tickOnce(): Promise<void> {
    const t = Date.now();
    await Promise.all(
      [...rooms.values()].map(async (room) => {
        const reload = t - room.lastReload >= reloadIntervalMs;
        if (!reload && !room.dirty) return;
        room.dirty = false;
        if (reload) room.lastReload = t;
        try {
          const tick = reload ? await room.feed.reload() : await room.feed.refresh();
          if (tick && rooms.get(room.feed.asset) === room) deliver(room, tick);
        } catch (err) {
          // The next pass retries: the room stays marked.
          room.dirty = true;
          log.warn({ err, asset: room.feed.asset }, 'room refresh failed');
        }
      }),
    );
  }

  async function subscribe(socket: LiveSocket, payload: unknown, ack: unknown) {
    const parsed = SubscribeRequest.safeParse(payload);
    if (!parsed.success) return ackWith(ack, { ok: false, error: z.prettifyError(parsed.error) });
    const held = socket.data.assets;
    const wanted = [...new Set(parsed.data.assets)].filter((a) => !held.includes(a));
    if (held.length + wanted.length > MAX_SUBSCRIPTIONS) {
      return ackWith(ack, { ok: false, error: `at most ${MAX_SUBSCRIPTIONS} asset rooms per connection (${held.length} held)` });
    }
    // Reserved before the first await, so two quick subscribes cannot both pass the limit.
    held.push(...wanted);
    const acquired = wanted.map((a) => acquire(a).room);
    try {
      await Promise.all(acquired.map((r) => r.ready));
    } catch (err) {
      log.warn({ err, assets: wanted }, 'room load failed');
      if (!socket.connected) return;
      for (const a of wanted) {
        held.splice(held.indexOf(a), 1);
        release(a);
      }
      return ackWith(ack, { ok: false, error: 'could not load the rooms, try again' });
    }
    // Gone while loading: disconnect already released the reservation.
    if (!socket.connected) return;
    for (const room of acquired) {
      // Join, then snapshot in the same turn: no tick of this room can fall between the two.
      void socket.join(roomName(room.feed.asset));
      socket.emit('sentiment:snapshot', room.feed.snapshot());
    }
    ackWith(ack, { ok: true, assets: [...held] });
  }

  function unsubscribe(socket: LiveSocket, payload: unknown, ack: unknown) {
    const parsed = SubscribeRequest.safeParse(payload);
    if (!parsed.success) return ackWith(ack, { ok: false, error: z.prettifyError(parsed.error) });
    const held = socket.data.assets;
    for (const a of new Set(parsed.data.assets)) {
      const i = held.indexOf(a);
      if (i < 0) continue;
      held.splice(i, 1);
      void socket.leave(roomName(a));
      release(a);
    }
    ackWith(ack, { ok: true, assets: [...held] });
  }

  io.on('connection', (socket) => {
    if (!socket.recovered) {
      socket.data.assets = [];
      void socket.join(OVERALL);
      socket.emit('sentiment:snapshot', rooms.get(null)!.feed.snapshot());
    } else {
      // Rooms, data and the events missed while away were restored by socket.io. An asset room whose
      // last client left meanwhile had no feed and sent no ticks, so that room's state is stale: resync it.
      for (const asset of socket.data.assets) {
        const { room, opened } = acquire(asset);
        if (opened) {
          void room.ready
            .then(() => {
              if (socket.connected) socket.emit('sentiment:snapshot', room.feed.snapshot());
            })
            .catch((err: unknown) => log.warn({ err, asset }, 'room load failed'));
        }
      }
    }
    let windowStart = Date.now();
    let requests = 0;
    const allowed = (ack: unknown) => {
      if (Date.now() - windowStart > ROOM_REQUEST_WINDOW_MS) {
        windowStart = Date.now();
        requests = 0;
      }
      if (++requests <= ROOM_REQUESTS_PER_WINDOW) return true;
      ackWith(ack, { ok: false, error: `at most ${ROOM_REQUESTS_PER_WINDOW} subscribe/unsubscribe requests per ${ROOM_REQUEST_WINDOW_MS / 1000} s` });
      return false;
    };
    socket.on('subscribe', (payload, ack) => void (allowed(ack) && subscribe(socket, payload, ack)));
    socket.on('unsubscribe', (payload, ack) => void (allowed(ack) && unsubscribe(socket, payload, ack)));
    socket.on('disconnect', () => {
      for (const asset of socket.data.assets) release(asset);
    });
  });

  return {
    async start() {
      const overall = openRoom(null);
      await overall.ready;
      timer = setInterval(() => {
        // A slow ClickHouse must not stack passes: while one runs, the next is skipped.
        if (running) return;
        running = tickOnce()
          .catch((err: unknown) => log.warn({ err }, 'tick failed'))
          .finally(() => {
            running = null;
          });
      }, tickIntervalMs);
    },
    async stop() {
      clearInterval(timer);
      await running;
      // Held ticks are dropped: the clients are about to be disconnected.
      for (const room of rooms.values()) clearTimeout(room.heldTimer);
    },
    publish(item) {
      if (recentIds.has(item.id)) return false;
      recentIds.add(item.id);
      if (recentIds.size > 10_000) recentIds.delete(recentIds.values().next().value!);
      metrics.itemsReceived.inc();
      io.emit('item:scored', item);
      metrics.itemDeliveries.inc(io.sockets.sockets.size);
      for (const room of rooms.values()) {
        if (!room.feed.accepts(item)) continue;
        room.feed.addItem(item);
        room.dirty = true;
      }
      return true;
    },
    roomCount: () => rooms.size,
  };
}
