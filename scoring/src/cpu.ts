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

/** Whether the CPU flags hold one of the pattern's; undefined where there are no flags to read. */
const hasFlag = (info: string, pattern: RegExp): boolean | undefined => (/^flags\s*:/m.test(info) ? pattern.test(info) : undefined);

/** true / false from the CPU flags; undefined where they cannot be read. */
export function hasInt8DotProduct(info: string = cpuInfo()): boolean | undefined {
  return hasFlag(info, /\b(avx512_vnni|avx_vnni)\b/);
}

/**
 * true / false from the CPU flags (AMX-INT8: Sapphire Rapids and later Xeons); undefined where they
 * cannot be read. onnxruntime's int8 GEMM runs on AMX tiles where it finds them: about twice VNNI's
 * speed for the shipped transformers, so the bench and the cards keep it apart from VNNI.
 */
export function hasInt8Matrix(info: string = cpuInfo()): boolean | undefined {
  return hasFlag(info, /\bamx_int8\b/);
}

/** What to tell whoever runs the int8 transformers on a CPU without an int8 dot product; undefined otherwise. */
export function int8SpeedNotice(info: string = cpuInfo()): string | undefined {
  if (hasInt8DotProduct(info) !== false) return undefined;
  // Measured: MiniLM 233-293 items/s per core on an AVX2-only EPYC, 488-682 on VNNI Xeons, 993-1000 on an
  // AMX Xeon (scoring/models/bench.json).
  return 'this CPU has no int8 dot-product instructions (AVX-512 VNNI or AVX-VNNI): the int8 transformer models score about half as fast as on one that has them (speed tables in each MODEL_CARD.md)';
}
