// Kafka topic names and their provisioning specs: the contract every producer and consumer shares.
import { z } from 'zod';

/** The three topics of the pipeline. Versioned in the name so a breaking change gets a new topic. */
export const TOPICS = {
  raw: 'barometer.items.raw.v1',
  scored: 'barometer.items.scored.v1',
  dlq: 'barometer.items.dlq.v1',
  /** Compacted, keyed by source id: the latest health of each ingest source, read by every gateway. */
  sources: 'barometer.sources.health.v1',
} as const;

/** Topic names as handed to services; tests pass their own to stay isolated on a shared broker. */
export const Topics = z.object({
  raw: z.string().min(1),
  scored: z.string().min(1),
  dlq: z.string().min(1),
  sources: z.string().min(1),
});
export type Topics = z.infer<typeof Topics>;

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Broker-side topic configs, see https://kafka.apache.org/documentation/#topicconfigs */
  configEntries: { name: string; value: string }[];
}

/**
 * Partitions bound how many scoring consumers can share the load (one partition per member at most),
 * so raw and scored get room to scale out; the DLQ is low volume and kept for 30 days for forensics.
 */
export function topicSpecs(topics: Topics = TOPICS, partitions = 6): TopicSpec[] {
  const week = String(7 * 24 * 3600 * 1000);
  return [
    { topic: topics.raw, numPartitions: partitions, configEntries: [{ name: 'retention.ms', value: week }] },
    { topic: topics.scored, numPartitions: partitions, configEntries: [{ name: 'retention.ms', value: week }] },
    {
      topic: topics.dlq,
      numPartitions: 1,
      configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }],
    },
    {
      // Compacted: a reader that starts from the beginning gets the last health record of every source.
      topic: topics.sources,
      numPartitions: 1,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    },
  ];
}
