// The CPU facts the int8 graphs' speed depends on, read from /proc/cpuinfo text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasInt8DotProduct, hasInt8Matrix, int8SpeedNotice } from './cpu.ts';

const cpuinfo = (flags: string) => `processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 ${flags}\n`;

test('an int8 dot product is read from the flags: AVX-512 VNNI or AVX-VNNI', () => {
  assert.equal(hasInt8DotProduct(cpuinfo('avx2 avx512f avx512_vnni')), true);
  assert.equal(hasInt8DotProduct(cpuinfo('avx2 avx_vnni')), true);
  assert.equal(hasInt8DotProduct(cpuinfo('avx avx2')), false);
  assert.equal(hasInt8DotProduct(''), undefined);
});

test('AMX is read from its own flag, apart from VNNI', () => {
  assert.equal(hasInt8Matrix(cpuinfo('avx512_vnni amx_bf16 amx_tile amx_int8')), true);
  assert.equal(hasInt8Matrix(cpuinfo('avx512_vnni amx_tile')), false, 'tiles without the int8 unit');
  assert.equal(hasInt8Matrix(cpuinfo('avx2')), false);
  assert.equal(hasInt8Matrix(''), undefined);
});

test('only a CPU known to lack it gets the speed notice', () => {
  assert.match(int8SpeedNotice(cpuinfo('avx avx2')) ?? '', /no int8 dot-product instructions.*about half as fast/);
  assert.equal(int8SpeedNotice(cpuinfo('avx2 avx512_vnni')), undefined);
  assert.equal(int8SpeedNotice(''), undefined, 'flags that cannot be read say nothing');
});
