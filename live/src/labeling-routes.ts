// The labeling API behind a Bearer token: the next headlines for an annotator, labels in, export and
// import (CSV, JSONL, Label Studio), and a sampler run on demand. Registered only when a label token is
// configured; otherwise these routes do not exist (404), like /api/v1/sql.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import {
  Annotator,
  ErrorResponse,
  LabelFormat,
  LabelingNextResponse,
  LabelSampleResponse,
  LabelsImportResponse,
  LabelsRequest,
  LabelsResponse,
} from '@barometer/schemas/api';
import { formatLabels, insertLabels, nextToLabel, parseLabels, queryLabeledTexts } from '@barometer/analytics/labeling';
import { queryLabelingProgress } from '@barometer/analytics/labeling-progress';
import type { LabelSampler, SampleRun } from './label-sampler.ts';

export const ANNOTATOR_HEADER = 'x-barometer-annotator';

/** Largest import file: about 20k labels of CSV. */
const IMPORT_BODY_LIMIT = 5 * 1024 * 1024;

export interface LabelingRoutesOptions {
  clickhouse: ClickHouseClient;
  token: string;
  /** The sampler's `run` (the route runs it even where the periodic sampler is off). */
  sample: LabelSampler['run'];
  rateLimit: number;
}

class HttpRefusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

const CONTENT_TYPE: Record<LabelFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  'label-studio': 'application/json; charset=utf-8',
};
const EXTENSION: Record<LabelFormat, string> = { csv: 'csv', jsonl: 'jsonl', 'label-studio': 'label-studio.json' };

const AnnotatorQuery = z.object({ annotator: Annotator.optional() });
const security = [{ bearer: [] }];
const refusals = { 400: ErrorResponse, 401: ErrorResponse };

export const labelingRoutes: FastifyPluginAsyncZod<LabelingRoutesOptions> = async (api, opts) => {
  const expected = digest(opts.token);
  const ch = opts.clickhouse;

  api.addHook('onRequest', async (req, reply) => {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token || !timingSafeEqual(digest(token), expected)) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpRefusal(401, 'UNAUTHORIZED', 'a valid Bearer token is required');
    }
  });

  /** The annotator from the body or query field, else the header; one of them is required. */
  const annotatorOf = (req: FastifyRequest, given: string | undefined): string => {
    if (given) return given;
    const header = Annotator.safeParse(req.headers[ANNOTATOR_HEADER]);
    if (header.success) return header.data;
    throw new HttpRefusal(400, 'BAD_REQUEST', `the annotator is required (field "annotator" or header ${ANNOTATOR_HEADER}): ${z.prettifyError(header.error)}`);
  };

  api.get(
    '/labeling/next',
    {
      schema: {
        summary: 'The next queued headlines this annotator has not labeled, most uncertain first, and their progress (Bearer token)',
        tags: ['labeling'],
        security,
        querystring: AnnotatorQuery.extend({ limit: z.coerce.number().int().min(1).max(50).default(1) }),
        response: { 200: LabelingNextResponse, ...refusals },
      },
    },
    async (req) => {
      const annotator = annotatorOf(req, req.query.annotator);
      const [items, progress] = await Promise.all([nextToLabel(ch, { annotator, limit: req.query.limit }), queryLabelingProgress(ch, annotator)]);
      return { annotator, items, progress };
    },
  );

  api.post(
    '/labels',
    {
      schema: {
        summary: 'Store labels of one annotator; the time is set by the server (Bearer token)',
        tags: ['labeling'],
        security,
        body: LabelsRequest,
        response: { 200: LabelsResponse, ...refusals },
      },
    },
    async (req) => {
      const annotator = annotatorOf(req, req.body.annotator);
      const labeledAt = new Date().toISOString();
      await insertLabels(ch, req.body.labels.map((l) => ({ ...l, annotator, labeled_at: labeledAt, origin: 'ui' as const })));
      return { stored: req.body.labels.length, progress: await queryLabelingProgress(ch, annotator) };
    },
  );

  api.get(
    '/labels/export',
    {
      schema: {
        summary: 'Every stored label with its headline, as CSV, JSONL or a Label Studio import (Bearer token)',
        tags: ['labeling'],
        security,
        querystring: z.object({ format: LabelFormat.default('csv') }),
        response: { 200: z.string(), ...refusals },
      },
      config: { rateLimit: { max: opts.rateLimit, timeWindow: 60_000 } },
    },
    async (req, reply) => {
      const { format } = req.query;
      const body = formatLabels(await queryLabeledTexts(ch), format);
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type(CONTENT_TYPE[format])
        .header('content-disposition', `attachment; filename="barometer-labels-${day}.${EXTENSION[format]}"`)
        .header('cache-control', 'no-store')
        .send(body);
    },
  );

  // Import takes the file as it is, whatever its content type: its own scope parses every body as text.
  await api.register(async (scope) => {
    const raw = scope.withTypeProvider<ZodTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_req, body, done) => done(null, body));
    raw.post(
      '/labels/import',
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          summary:
            'Import labels from an export (CSV, JSONL or Label Studio); every record is validated and each rejected one is reported (Bearer token). ' +
            '`annotator` attributes every label to that annotator; without it a record keeps its own annotator, or takes the X-Barometer-Annotator header.',
          tags: ['labeling'],
          security,
          querystring: z.object({ format: LabelFormat, annotator: Annotator.optional() }),
          body: z.string().min(1, 'the body is the file to import'),
          response: { 200: LabelsImportResponse, ...refusals },
        },
        config: { rateLimit: { max: opts.rateLimit, timeWindow: 60_000 } },
      },
      async (req) => {
        const fallback = req.query.annotator ?? annotatorOf(req, undefined);
        const parsed = parseLabels(req.body, req.query.format, { annotator: fallback, now: new Date() });
        const labels = req.query.annotator ? parsed.labels.map((l) => ({ ...l, annotator: fallback })) : parsed.labels;
        await insertLabels(ch, labels);
        return { imported: labels.length, errors: parsed.errors };
      },
    );
  });

  api.post(
    '/labeling/sample',
    {
      schema: {
        summary: 'Run the labeling sampler now: queue the most uncertain, diverse recent items (Bearer token)',
        tags: ['labeling'],
        security,
        body: z
          .object({
            size: z.number().int().min(1).max(1000).optional(),
            lookback_hours: z.number().min(1).max(24 * 90).optional(),
            strategy: z.enum(['entropy', 'least_confidence']).optional(),
            annotator: Annotator.optional(),
          })
          .default({}),
        response: { 200: LabelSampleResponse, ...refusals },
      },
      config: { rateLimit: { max: opts.rateLimit, timeWindow: 60_000 } },
    },
    async (req) => {
      const over: Partial<SampleRun> = { size: req.body.size, lookbackHours: req.body.lookback_hours, strategy: req.body.strategy };
      const queued = await opts.sample(Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)));
      const annotator = req.body.annotator ?? Annotator.safeParse(req.headers[ANNOTATOR_HEADER]).data ?? '';
      return { queued, progress: await queryLabelingProgress(ch, annotator) };
    },
  );
};
