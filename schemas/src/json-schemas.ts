// JSON Schema (draft 2020-12) of every topic's message, generated from the zod schemas, for consumers
// in other languages. `npm run generate -w @barometer/schemas` writes them to schemas/json/.
import { z } from 'zod';
import { DlqMessage, RawItem, ScoredItem } from './items.ts';
import { TOPICS } from './kafka.ts';
import { SourceHealth } from './api.ts';

/** File name → schema. Cross-field rules (probabilities sum to 1) live in zod only and are described. */
export function topicJsonSchemas(): Record<string, object> {
  const make = (schema: z.ZodType, topic: string, title: string, description: string) => ({
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }),
    $id: `https://barometer.dev/schemas/${topic}.json`,
    title,
    description,
  });
  return {
    [`${TOPICS.raw}.json`]: make(RawItem, TOPICS.raw, 'RawItem', 'An ingested item; Kafka key = id.'),
    [`${TOPICS.scored}.json`]: make(
      ScoredItem,
      TOPICS.scored,
      'ScoredItem',
      'A scored item; Kafka key = id. negative + neutral + positive = 1 (within 1e-4); score = positive - negative.',
    ),
    [`${TOPICS.dlq}.json`]: make(DlqMessage, TOPICS.dlq, 'DlqMessage', 'A rejected message with its reason and original bytes (base64).'),
    [`${TOPICS.sources}.json`]: make(
      SourceHealth,
      TOPICS.sources,
      'SourceHealth',
      'The latest health of one ingest source; compacted topic, Kafka key = id.',
    ),
  };
}
