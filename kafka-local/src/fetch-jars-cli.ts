// `npm run kafka:fetch`: fetch the broker jars ahead of time (CI provisioning, offline preparation).
import { ensureKafkaJars } from './fetch-jars.ts';

ensureKafkaJars().then(
  (dir) => process.stdout.write(`Kafka jars ready in ${dir}\n`),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
