// The one error type of this package: a stable code to branch on, and a message that says what to do.

export type KafkaLocalErrorCode =
  | 'JAVA_MISSING'
  | 'JAVA_TOO_OLD'
  | 'MAVEN_MISSING'
  | 'FETCH_FAILED'
  | 'FORMAT_FAILED'
  | 'START_FAILED'
  | 'START_TIMEOUT';

export class KafkaLocalError extends Error {
  override readonly name = 'KafkaLocalError';

  constructor(
    readonly code: KafkaLocalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Appended to every "tool missing" message: the way out that needs no JVM at all. */
export const USE_EXISTING_CLUSTER_HINT =
  'Alternatively set KAFKA_BROKERS=host:port to use an existing Kafka cluster instead of a local broker.';
