// GET /api/v1/drift: the latest drift check (prediction and input length, last 24 h vs the 7 days before).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DriftResponse } from '@barometer/schemas/api';
import type { DriftMonitor } from './drift-monitor.ts';

export interface DriftRouteOptions {
  drift: Pick<DriftMonitor, 'latest'>;
}

export const driftRoute: FastifyPluginAsyncZod<DriftRouteOptions> = async (api, opts) => {
  api.get(
    '/drift',
    {
      schema: {
        summary: 'Population stability index of the predicted label and of the title length, last 24 h vs the 7 days before; checked hourly',
        response: { 200: DriftResponse },
      },
    },
    async () => opts.drift.latest(),
  );
};
