// POST /api/v1/sql: one read-only query for analysts (embedded mode keeps chDB inside the process, so
// this is their way in). Registered only when a token is configured; otherwise the route does not exist.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ClickHouseClient } from '@clickhouse/client';
import { ErrorResponse, SqlRequest, SqlResponse } from '@barometer/schemas/api';
import { runReadOnlySql } from '@barometer/analytics/sql';

export interface SqlRouteOptions {
  clickhouse: ClickHouseClient;
  token: string;
  rateLimit: number;
  maxRows?: number;
  maxExecutionSeconds?: number;
}

class Unauthorized extends Error {
  readonly statusCode = 401;
  readonly code = 'UNAUTHORIZED';
}

// Hashing first gives equal lengths, so the comparison takes the same time whatever the guess.
const digest = (s: string) => createHash('sha256').update(s).digest();

export const sqlRoute: FastifyPluginAsyncZod<SqlRouteOptions> = async (api, opts) => {
  const expected = digest(opts.token);
  api.post(
    '/sql',
    {
      schema: {
        summary: 'Run one read-only SELECT (Bearer token; ClickHouse enforces readonly, a row cap and a time cap)',
        security: [{ bearer: [] }],
        body: SqlRequest,
        response: { 200: SqlResponse, 400: ErrorResponse, 401: ErrorResponse },
      },
      config: { rateLimit: { max: opts.rateLimit, timeWindow: 60_000 } },
    },
    async (req, reply) => {
      const [scheme, token] = (req.headers.authorization ?? '').split(' ');
      if (scheme !== 'Bearer' || !token || !timingSafeEqual(digest(token), expected)) {
        reply.header('www-authenticate', 'Bearer');
        throw new Unauthorized('a valid Bearer token is required');
      }
      // SQL_REJECTED / SQL_FAILED map to 400 in the app's error handler.
      return runReadOnlySql(opts.clickhouse, req.body.query, {
        maxRows: opts.maxRows ?? 10_000,
        maxExecutionSeconds: opts.maxExecutionSeconds ?? 10,
      });
    },
  );
};
