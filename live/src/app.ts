// The gateway's fastify app (never listens itself): hardening, OpenAPI, REST routes, /metrics, the
// dashboard's static files, and socket.io attached to the same HTTP server.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import fastifyHelmet from '@fastify/helmet';
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { Server as SocketServer, type Socket } from 'socket.io';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { HealthResponse, type SourceHealth } from '@barometer/schemas/api';
import type { ClientToServerEvents, ServerToClientEvents } from '@barometer/schemas/socket';
import { DEFAULT_HTTP_SETTINGS, DEFAULT_SAMPLER_SETTINGS, type HttpSettings } from './config.ts';
import { apiRoutes } from './api-routes.ts';
import { scoreRoute, type Scorer } from './score-route.ts';
import { sqlRoute } from './sql-route.ts';
import { checkDrift, type DriftMonitor } from './drift-monitor.ts';
import { driftRoute } from './drift-route.ts';
import { createLabelSampler, type LabelSampler } from './label-sampler.ts';
import { labelingRoutes } from './labeling-routes.ts';

/** What the gateway keeps per connection; socket.io restores it with the rooms on a recovered connection. */
export interface SocketData {
  /** Asset rooms this connection subscribed to. */
  assets: string[];
}

export type LiveSocketServer = SocketServer<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface AppDeps {
  clickhouse: ClickHouseClient;
  log: Logger;
  /** The process's Prometheus registry, served at /metrics. */
  metrics: Registry;
  /** Latest health of every ingest source. */
  sources: () => SourceHealth[];
  /** The sentiment model for `POST /api/v1/score`; absent → that route answers 503. */
  scorer?: Scorer;
  http?: Partial<HttpSettings>;
  /** The built dashboard (frontend/dist); absent → `/` explains how to build it. */
  staticDir?: string;
  /** Extra health checks, e.g. whether the scored-topic consumer is running. */
  healthChecks?: () => Record<string, string>;
  /** The drift monitor's latest check for `GET /api/v1/drift`; absent → each request runs a check. */
  drift?: Pick<DriftMonitor, 'latest'>;
  /** The labeling sampler `POST /api/v1/labeling/sample` runs; absent → one with the default settings. */
  sampleLabels?: LabelSampler['run'];
}

export type LiveApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** Largest request body: the biggest legitimate one is a score request of 32 × 1000 characters. */
export const BODY_LIMIT = 64 * 1024;

interface HttpError {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: unknown;
  /** Set by our own errors whose message is safe to show even on a 5xx (e.g. "no model loaded"). */
  expose?: boolean;
}

/** Errors thrown below the routes (analytics) carry a stable code; these are the caller's fault. */
const STATUS_BY_CODE: Record<string, number> = { INVALID_QUERY: 400, SQL_REJECTED: 400, SQL_FAILED: 400 };

/** True when a browser's Origin is the gateway itself or on the allowlist; non-browser clients send none. */
function originAllowed(origin: string | undefined, host: string | undefined, allow: readonly string[]): boolean {
  if (!origin) return true;
  if (allow.includes(origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export async function buildApp(deps: AppDeps): Promise<{ app: LiveApp; io: LiveSocketServer }> {
  const http: HttpSettings = { ...DEFAULT_HTTP_SETTINGS, ...deps.http };
  const app = Fastify({
    // Per-request lines at info would drown the pipeline's logs; errors still come through the handler.
    loggerInstance: deps.log.child({ component: 'http' }, { level: deps.log.isLevelEnabled('warn') ? 'warn' : deps.log.level }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: http.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // One error handler: everything is logged; a client error says what was wrong, a server error leaks nothing.
  app.setErrorHandler((err: HttpError, req, reply) => {
    const status = err.validation ? 400 : (err.statusCode ?? (err.code ? STATUS_BY_CODE[err.code] : undefined) ?? 500);
    if (status >= 500 && !err.expose) {
      req.log.error({ err }, 'request failed');
      return reply.status(status).send({ error: 'internal error', code: 'INTERNAL' });
    }
    if (status >= 500) req.log.warn({ err: err.message, code: err.code }, 'request refused');
    else req.log.info({ err: err.message, code: err.code }, 'request refused');
    return reply.status(status).send({ error: err.message, code: err.validation ? 'BAD_REQUEST' : (err.code ?? 'BAD_REQUEST') });
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Chart and gauge libraries set inline styles; scripts stay 'self' only.
        styleSrc: ["'self'", "'unsafe-inline'"],
        // The favicon and Swagger UI's icons are data: URLs.
        imgSrc: ["'self'", 'data:'],
        // 'self' covers the socket's ws:/wss: upgrade to this host (CSP level 3).
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        // Helmet's default would force https sub-resources, breaking the dashboard on plain http (LAN, localhost).
        upgradeInsecureRequests: null,
      },
    },
  });
  // No allowlist = no CORS headers at all: browsers then allow only same-origin pages (the bundled dashboard).
  await app.register(fastifyCors, { origin: http.corsOrigins.length > 0 ? http.corsOrigins : false, methods: ['GET', 'POST'] });
  await app.register(fastifyRateLimit, {
    max: http.rateLimit,
    timeWindow: 60_000,
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new Error(`rate limit exceeded, retry in ${Math.ceil(ctx.ttl / 1000)} s`), { statusCode: ctx.statusCode, code: 'RATE_LIMITED' }),
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Barometer live gateway', version: '1', description: 'Real-time crypto and finance news sentiment. The socket.io contract is described in live/README.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });

  const io: LiveSocketServer = new SocketServer(app.server, {
    serveClient: false,
    // Clients only send subscribe/unsubscribe; nothing large ever travels client → server.
    maxHttpBufferSize: 16 * 1024,
    // A client back within 2 minutes gets its rooms and the events it missed; later, a fresh snapshot
    // (https://socket.io/docs/v4/connection-state-recovery).
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000 },
    cors: { origin: http.corsOrigins.length > 0 ? http.corsOrigins : false },
    // socket.io's `cors` only governs polling; a WebSocket upgrade is checked here.
    allowRequest: (req, callback) => callback(null, originAllowed(req.headers.origin, req.headers.host, http.corsOrigins)),
  });
  // Open sockets keep the HTTP server from closing; they must go before fastify closes it.
  app.addHook('preClose', async () => {
    io.local.disconnectSockets(true);
  });
  app.addHook('onClose', async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  app.get(
    '/healthz',
    { schema: { hide: true, response: { 200: HealthResponse, 503: HealthResponse } }, config: { rateLimit: false } },
    async (_req, reply) => {
      const checks: Record<string, string> = { ...(deps.healthChecks?.() ?? {}) };
      try {
        const ok = await deps.clickhouse.ping();
        checks.clickhouse = ok.success ? 'ok' : 'unreachable';
      } catch {
        checks.clickhouse = 'unreachable';
      }
      const healthy = Object.values(checks).every((v) => v === 'ok');
      return reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'degraded', checks });
    },
  );

  // Scraped by Prometheus; keep it off the public internet at the proxy.
  app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (_req, reply) =>
    reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
  );

  await app.register(apiRoutes, { prefix: '/api/v1', clickhouse: deps.clickhouse, sources: deps.sources });
  await app.register(scoreRoute, { prefix: '/api/v1', scorer: deps.scorer, rateLimit: http.rateLimitExpensive });
  // Off unless a token is configured, and then indistinguishable from a route that never existed (404).
  if (http.sqlToken) {
    await app.register(sqlRoute, { prefix: '/api/v1', clickhouse: deps.clickhouse, token: http.sqlToken, rateLimit: http.rateLimitExpensive });
  }

  await app.register(driftRoute, { prefix: '/api/v1', drift: deps.drift ?? { latest: () => checkDrift(deps.clickhouse, new Date()) } });
  if (http.labelToken) {
    const sample = deps.sampleLabels ?? createLabelSampler({ ...DEFAULT_SAMPLER_SETTINGS, clickhouse: deps.clickhouse, log: deps.log }).run;
    await app.register(labelingRoutes, { prefix: '/api/v1', clickhouse: deps.clickhouse, token: http.labelToken, sample, rateLimit: http.rateLimitExpensive });
  }

  if (deps.staticDir && existsSync(deps.staticDir)) {
    await app.register(fastifyStatic, { root: deps.staticDir, wildcard: false });
    // Client-side routes (e.g. /?asset=BTC deep links) get the app shell.
    app.setNotFoundHandler((req, reply) =>
      req.method === 'GET' && !req.url.startsWith('/api/') ? reply.sendFile('index.html') : reply.status(404).send({ error: 'not found', code: 'NOT_FOUND' }),
    );
  } else {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/plain').send('The dashboard is not built. Run `npm run build -w @barometer/frontend` (npm start does it for you).\n'),
    );
    app.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: 'not found', code: 'NOT_FOUND' }));
  }

  return { app, io };
}
