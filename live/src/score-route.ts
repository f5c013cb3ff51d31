// POST /api/v1/score: runs the sentiment model on a few texts, for trying it out from the docs page.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponse, ScoreRequest, ScoreResponse } from '@barometer/schemas/api';
import { entropyOf, labelOf } from '@barometer/schemas/items';

/** What the route needs of the model; scoring's SentimentModel fits. */
export interface Scorer {
  readonly version: string;
  scoreBatch(texts: readonly string[]): Promise<{ negative: number; neutral: number; positive: number }[]>;
}

export interface ScoreRouteOptions {
  scorer?: Scorer;
  /** Requests per minute per client: each one is an ONNX run on the gateway's CPU. */
  rateLimit: number;
}

class ScorerUnavailable extends Error {
  readonly statusCode = 503;
  readonly code = 'SCORER_UNAVAILABLE';
  readonly expose = true;
}

export const scoreRoute: FastifyPluginAsyncZod<ScoreRouteOptions> = async (api, opts) => {
  api.post(
    '/score',
    {
      schema: {
        summary: 'Score texts with the sentiment model the pipeline uses (same label, entropy and score)',
        body: ScoreRequest,
        response: { 200: ScoreResponse, 400: ErrorResponse, 503: ErrorResponse },
      },
      config: { rateLimit: { max: opts.rateLimit, timeWindow: 60_000 } },
    },
    async (req) => {
      const scorer = opts.scorer;
      if (!scorer) throw new ScorerUnavailable('no sentiment model is loaded in this gateway');
      const { texts } = req.body;
      const scores = await scorer.scoreBatch(texts);
      return {
        model_version: scorer.version,
        results: texts.map((text, i) => {
          const s = scores[i]!;
          return { text, ...s, label: labelOf(s), entropy: entropyOf(s), score: s.positive - s.negative };
        }),
      };
    },
  );
};
