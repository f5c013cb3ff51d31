// A bench worker process: holds many real socket.io clients against the gateway and records, for every
// `item:scored` it receives, the delay since the server stamped the item (scored_at).
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@barometer/schemas/socket';
import { z } from 'zod';

const Command = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('grow'), url: z.string(), total: z.number().int() }),
  z.object({ cmd: z.literal('reset') }),
  z.object({ cmd: z.literal('count') }),
  z.object({ cmd: z.literal('report') }),
  z.object({ cmd: z.literal('exit') }),
]);

const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
let latencies: number[] = [];
let received = 0;

function send(msg: unknown) {
  process.send?.(msg);
}

async function grow(url: string, total: number) {
  // Connect in small waves: a thousand simultaneous handshakes would only measure the accept queue.
  while (sockets.length < total) {
    const wave = Math.min(100, total - sockets.length);
    await Promise.all(
      Array.from({ length: wave }, () => {
        const s: Socket<ServerToClientEvents, ClientToServerEvents> = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
        s.on('item:scored', (item) => {
          received++;
          latencies.push(Date.now() - Date.parse(item.scored_at));
        });
        sockets.push(s);
        return new Promise<void>((resolve, reject) => {
          s.once('connect', () => resolve());
          s.once('connect_error', reject);
        });
      }),
    );
  }
  send({ type: 'grown', held: sockets.filter((s) => s.connected).length });
}

process.on('message', (raw) => {
  const msg = Command.parse(raw);
  if (msg.cmd === 'grow') void grow(msg.url, msg.total).catch((err: unknown) => send({ type: 'error', error: String(err) }));
  else if (msg.cmd === 'reset') {
    latencies = [];
    received = 0;
    send({ type: 'reset' });
  } else if (msg.cmd === 'count') send({ type: 'count', received });
  else if (msg.cmd === 'report') send({ type: 'report', received, latencies, held: sockets.filter((s) => s.connected).length });
  else {
    for (const s of sockets) s.disconnect();
    process.exit(0);
  }
});
