// What this CPU offers the int8 graph. onnxruntime's MatMulNBits (accuracy level 4) computes in int8
// with dot-product instructions where the CPU has them (AVX-512 VNNI or AVX-VNNI) and takes another
// path without them: same weights, different rounding (probabilities differ by ~0.01) and much
// slower (training/experiments/2026-11-23-distillation.md).
import { readFileSync } from 'node:fs';

/** The CPU's /proc/cpuinfo, or '' where there is none (not Linux). */
export function cpuInfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** true / false from the CPU flags; undefined where they cannot be read. */
export function hasInt8DotProduct(info: string = cpuInfo()): boolean | undefined {
  if (!/^flags\s*:/m.test(info)) return undefined;
  return /\b(avx512_vnni|avx_vnni)\b/.test(info);
}
