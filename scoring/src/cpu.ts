// What this CPU offers the int8 graph. Its integer products (MatMulIntegerToFloat, training/quantize_int8.py)
// give the same int32 sums on every CPU, but onnxruntime picks kernels by instruction set (AVX-512
// VNNI, AVX-VNNI, AVX2), and the float work around them (softmax, GELU, layer norm) can round
// differently from one kind of CPU to another; the parity test and the model card say which kind
// produced a figure.
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
