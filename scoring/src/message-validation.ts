// Turns raw Kafka messages into valid items or dead-letter entries with a reason; never throws.
import { RawItem, type DlqMessage, type DlqReason } from '@barometer/schemas/items';
import { z } from 'zod';

/** Values larger than this are refused before parsing: no headline needs 256 KiB. */
export const MAX_VALUE_BYTES = 256 * 1024;

export interface IncomingMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

export type Rejection = Omit<DlqMessage, 'failed_at' | 'rejected_by' | 'v'>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The dead-letter entry for a message, with its original bytes; every rejection is built here. */
export function rejectionOf(topic: string, m: IncomingMessage, reason: DlqReason, detail: string): Rejection {
  return {
    reason,
    detail: detail.slice(0, 4000),
    source_topic: topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key ? m.key.toString('utf8') : null,
    value_base64: (m.value ?? Buffer.alloc(0)).toString('base64'),
  };
}

export function validateMessage(topic: string, m: IncomingMessage): { item: RawItem } | { rejection: Rejection } {
  const value = m.value ?? Buffer.alloc(0);
  const reject = (reason: DlqReason, detail: string) => ({ rejection: rejectionOf(topic, m, reason, detail) });
  if (value.byteLength > MAX_VALUE_BYTES) {
    // The dead letter keeps only the head of the value: the whole of it, base64-encoded, would exceed
    // the DLQ topic's message limit (1 MB by default), the publish would fail, and the batch would be
    // redelivered forever (the crash loop of tulios/kafkajs #315).
    const head = { ...m, value: value.subarray(0, MAX_VALUE_BYTES) };
    const detail = `value is ${value.byteLength} bytes, limit ${MAX_VALUE_BYTES}; value_base64 holds its first ${MAX_VALUE_BYTES} bytes`;
    return { rejection: rejectionOf(topic, head, 'too_large', detail) };
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return reject('invalid_utf8', 'value is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return reject('invalid_json', err instanceof Error ? err.message : 'not JSON');
  }
  const parsed = RawItem.safeParse(json);
  if (!parsed.success) return reject('invalid_schema', z.prettifyError(parsed.error));
  return { item: parsed.data };
}
