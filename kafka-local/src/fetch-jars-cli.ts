// `npm run kafka:fetch`: fetches the broker jars ahead of time (CI provisioning, offline preparation)
// and prints the lib dir on stdout.
import { fetchJarsCli } from './fetch-jars.ts';

process.exitCode = await fetchJarsCli();
