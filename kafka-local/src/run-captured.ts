// Runs a short-lived command to completion and hands back its exit status and output.
import { spawn } from 'node:child_process';

export interface CapturedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
}

/**
 * Resolves once the command exits, whatever its status; rejects only if it cannot be started
 * (the error then carries `code: 'ENOENT'` when the binary is not on PATH).
 */
export function runCaptured(command: string, args: string[], opts: { cwd?: string } = {}): Promise<CapturedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** The last `n` non-empty lines of some output, for error messages. */
export function lastLines(output: string, n: number): string {
  return output
    // Maven's jansi emits colour resets even in batch mode.
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}
