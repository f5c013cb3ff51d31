// The gateway's fastify app (never listens itself): REST routes, the dashboard's static files, and
// socket.io attached to the same HTTP server.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyStatic from '@fastify/static';
import { Server as SocketServer } from 'socket.io';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { existsSync } from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { ErrorResponse, HealthResponse, ItemsQuery, ItemsResponse, SentimentQuery, SentimentValue } from '@barometer/schemas/api';
import type { ClientToServerEvents, ServerToClientEvents } from '@barometer/schemas/socket';
import { queryLatestItems } from '@barometer/analytics/scored-items';
import { querySentimentWindow } from '@barometer/analytics/sentiment';

export type LiveSocketServer = SocketServer<ClientToServerEvents, ServerToClientEvents>;

export interface AppDeps {
  clickhouse: ClickHouseClient;
  log: Logger;
  /** The built dashboard (frontend/dist); absent → `/` explains how to build it. */
  staticDir?: string;
  /** Extra health checks, e.g. whether the scored-topic consumer is running. */
  healthChecks?: () => Record<string, string>;
}

export type LiveApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export async function buildApp(deps: AppDeps): Promise<{ app: LiveApp; io: LiveSocketServer }> {
  const app = Fastify({
    // Per-request lines at info would drown the pipeline's logs; errors still come through the handler.
    loggerInstance: deps.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // One error handler: everything is logged; a client error says what was wrong, a server error leaks nothing.
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string; validation?: unknown }, req, reply) => {
    const status = err.validation ? 400 : (err.statusCode ?? 500);
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.status(status).send({ error: 'internal error', code: 'INTERNAL' });
    }
    req.log.info({ err: err.message }, 'bad request');
    return reply.status(status).send({ error: err.message, code: err.code ?? 'BAD_REQUEST' });
  });

  const io: LiveSocketServer = new SocketServer(app.server, {
    serveClient: false,
    // Clients only listen; nothing large ever travels client → server.
    maxHttpBufferSize: 16 * 1024,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000 },
  });
  // Open sockets keep the HTTP server from closing; they must go before fastify closes it.
  app.addHook('preClose', async () => {
    io.local.disconnectSockets(true);
  });
  app.addHook('onClose', async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  app.get('/healthz', { schema: { response: { 200: HealthResponse, 503: HealthResponse } } }, async (_req, reply) => {
    const checks: Record<string, string> = { ...(deps.healthChecks?.() ?? {}) };
    try {
      const ok = await deps.clickhouse.ping();
      checks.clickhouse = ok.success ? 'ok' : 'unreachable';
    } catch {
      checks.clickhouse = 'unreachable';
    }
    const healthy = Object.values(checks).every((v) => v === 'ok');
    return reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'degraded', checks });
  });

  app.get(
    '/api/v1/sentiment',
    { schema: { querystring: SentimentQuery, response: { 200: SentimentValue, 400: ErrorResponse } } },
    async (req) => querySentimentWindow(deps.clickhouse, req.query.window, new Date()),
  );

  app.get(
    '/api/v1/items',
    { schema: { querystring: ItemsQuery, response: { 200: ItemsResponse, 400: ErrorResponse } } },
    async (req) => ({ items: await queryLatestItems(deps.clickhouse, req.query.limit) }),
  );

  if (deps.staticDir && existsSync(deps.staticDir)) {
    await app.register(fastifyStatic, { root: deps.staticDir, wildcard: false });
    // Client-side routes (e.g. /?asset=BTC deep links) get the app shell.
    app.setNotFoundHandler((req, reply) =>
      req.method === 'GET' && !req.url.startsWith('/api/') ? reply.sendFile('index.html') : reply.status(404).send({ error: 'not found', code: 'NOT_FOUND' }),
    );
  } else {
    app.get('/', async (_req, reply) =>
      reply.type('text/plain').send('The dashboard is not built. Run `npm run build -w @barometer/frontend` (npm start does it for you).\n'),
    );
  }

  return { app, io };
}
