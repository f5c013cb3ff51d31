// The small HTTP server a stand-alone service (ingest, scoring) exposes: Prometheus /metrics and
// /healthz. In embedded mode the gateway serves the process's one registry instead.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface HealthSummary {
  status: 'ok' | 'degraded';
  [detail: string]: unknown;
}

export interface MetricsServerDeps {
  registry: Registry;
  /** What /healthz answers; `degraded` gives a 503 so an orchestrator can act on it. */
  health: () => HealthSummary | Promise<HealthSummary>;
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
      Promise.resolve()
        .then(deps.health)
        .then(
          (body) => res.writeHead(body.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
          (err: unknown) => {
            log.error({ err }, 'health check failed');
            res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'degraded' }));
          },
        );
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
