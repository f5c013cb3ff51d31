// The small HTTP server a stand-alone ingest process exposes: Prometheus /metrics and /healthz.
// (In embedded mode the gateway serves the shared registry instead.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SourceHealth } from '@barometer/schemas/api';

export interface MetricsServerDeps {
  registry: Registry;
  health: () => SourceHealth[];
  log: Logger;
}

export interface MetricsServer {
  /** Listens and resolves with the bound port. */
  start(opts: { port: number; host?: string }): Promise<number>;
  stop(): Promise<void>;
}

export function createMetricsServer(deps: MetricsServerDeps): MetricsServer {
  const log = deps.log.child({ component: 'metrics-server' });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (path === '/metrics') {
      deps.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': deps.registry.contentType }).end(text),
        (err: unknown) => {
          log.error({ err }, 'metrics collection failed');
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (path === '/healthz') {
      const sources = deps.health();
      const enabled = sources.filter((s) => s.status !== 'disabled');
      const failing = enabled.filter((s) => s.status === 'failing').length;
      // The process is healthy while it runs; failing feeds are reported, not fatal (one bad feed is normal).
      const body = { status: enabled.length > 0 && failing === enabled.length ? 'degraded' : 'ok', sources: enabled.length, failing };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(404).end();
  });
  return {
    start: ({ port, host }) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host ?? '0.0.0.0', () => resolve((server.address() as AddressInfo).port));
      }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
