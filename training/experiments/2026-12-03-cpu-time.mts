// Is this VM's round-to-round swing time the process was not running (hypervisor steal), or slower running?
// Times the cascade and MiniLM at batch 128 round by round, and for each round reads the wall time, the process's
// CPU time (process.cpuUsage, user + system, all threads) and the steal the guest kernel counted (/proc/stat).
import { readFileSync } from 'node:fs';
import { cascadeModelDir, defaultModelDir, loadSentimentModel } from '../../scoring/src/sentiment-model.ts';
import { benchBatches } from './probe-common.mts';

const stealJiffies = () => Number(readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)[8]);
const batches = await benchBatches();
const models = [await loadSentimentModel(defaultModelDir, { intraOpNumThreads: 1 }), await loadSentimentModel(cascadeModelDir, { intraOpNumThreads: 1 })];
for (const m of models) for (const b of batches.slice(0, 3)) await m.scoreBatch(b);
const rounds = Number(process.argv[2] ?? 8);
const perRound = Number(process.argv[3] ?? 6);
let next = 0;
for (let r = 0; r < rounds; r++) {
  const cells: string[] = [];
  for (const m of models) {
    const s0 = stealJiffies();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let items = 0;
    for (let i = 0; i < perRound; i++) {
      const b = batches[next++ % batches.length]!;
      await m.scoreBatch(b);
      items += b.length;
    }
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const steal = (stealJiffies() - s0) / 100;
    cells.push(`${m.manifest.name.slice(0, 8)} wall ${(items / wall).toFixed(0)}/s cpu ${(items / cpuS).toFixed(0)}/cpu-s steal ${steal.toFixed(2)}s of ${wall.toFixed(2)}s`);
  }
  console.log(`round ${r}: ${cells.join(' | ')}`);
}
for (const m of models) await m.close();
