// The read API under /api/v1: sentiment now and over time, why it moved, the latest items, source health.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  ErrorResponse,
  HistoryQuery,
  HistoryResponse,
  ItemsQuery,
  ItemsResponse,
  ModelVersionsResponse,
  SentimentQuery,
  SentimentValue,
  SourcesResponse,
  WhyQuery,
  WhyResponse,
  type SourceHealth,
} from '@barometer/schemas/api';
import { queryLatestItems } from '@barometer/analytics/scored-items';
import { defaultResolution, queryHistory, queryModelVersions, querySentiment, queryWhy } from '@barometer/analytics/sentiment';

export interface ApiRoutesOptions {
  clickhouse: ClickHouseClient;
  sources: () => SourceHealth[];
}

class BadRequest extends Error {
  readonly statusCode = 400;
  readonly code = 'BAD_REQUEST';
}

const errors = { 400: ErrorResponse };

export const apiRoutes: FastifyPluginAsyncZod<ApiRoutesOptions> = async (api, opts) => {
  const ch = opts.clickhouse;

  api.get(
    '/sentiment',
    {
      schema: {
        summary: 'The sentiment over a window (overall, or one asset or source), with its 95 % band and 20-day baseline',
        querystring: SentimentQuery,
        response: { 200: SentimentValue, ...errors },
      },
    },
    async (req) => {
      const { window, asset, source, as_of, model_version } = req.query;
      const asOf = as_of ? new Date(as_of) : new Date();
      if (asOf.getTime() > Date.now() + 1000) throw new BadRequest('as_of must not be in the future');
      return querySentiment(ch, { window, asset, source, asOf, modelVersion: model_version });
    },
  );

  api.get(
    '/models',
    {
      schema: {
        summary: 'Model versions with scored rows (live and shadow), to compare the index under each with ?model_version=',
        response: { 200: ModelVersionsResponse, ...errors },
      },
    },
    async () => queryModelVersions(ch),
  );

  api.get(
    '/sentiment/history',
    {
      schema: {
        summary: 'The rolling window value at every resolution step over a span, gap-filled',
        querystring: HistoryQuery,
        response: { 200: HistoryResponse, ...errors },
      },
    },
    async (req) => {
      const { window, span, asset, source, model_version } = req.query;
      const resolution = req.query.resolution ?? defaultResolution(span);
      // A resolution that does not divide the window and span, or too many points, is analytics' INVALID_QUERY (400).
      return {
        window,
        span,
        resolution,
        asset: asset ?? null,
        source: source ?? null,
        points: await queryHistory(ch, { window, span, resolution, asset, source, modelVersion: model_version, asOf: new Date() }),
      };
    },
  );

  api.get(
    '/why',
    {
      schema: {
        summary: 'What moved the window versus the window just before it: the items that contributed most to the change',
        querystring: WhyQuery,
        response: { 200: WhyResponse, ...errors },
      },
    },
    async (req) => queryWhy(ch, { ...req.query, asOf: new Date() }),
  );

  api.get(
    '/items',
    {
      schema: { summary: 'The latest scored items, newest first', querystring: ItemsQuery, response: { 200: ItemsResponse, ...errors } },
    },
    async (req) => ({ items: await queryLatestItems(ch, req.query) }),
  );

  api.get(
    '/sources',
    { schema: { summary: 'The health of every ingest source, as last published by ingest', response: { 200: SourcesResponse } } },
    async () => ({ sources: opts.sources() }),
  );
};
