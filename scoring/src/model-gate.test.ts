// The gate on figures alone: worse refused, better promoted, one class's recall regression refused,
// crypto held to its own tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyGate, type GateFigures } from './model-gate.ts';

const live: GateFigures = { version: 'live', macroF1: 0.76, recall: { negative: 0.66, neutral: 0.89, positive: 0.71 } };

test('a better candidate is promoted', () => {
  const r = applyGate({ version: 'c', macroF1: 0.8, recall: { negative: 0.7, neutral: 0.9, positive: 0.75 } }, live, 0.01);
  assert.equal(r.promote, true);
  assert.deepEqual(r.reasons, []);
});

test('a candidate within the tolerance is promoted (not worse beyond it)', () => {
  const r = applyGate({ version: 'c', macroF1: 0.75, recall: { negative: 0.65, neutral: 0.88, positive: 0.7 } }, live, 0.01);
  assert.equal(r.promote, true, r.reasons.join('; '));
});

test('a worse candidate is refused, with the figures that failed', () => {
  const r = applyGate({ version: 'c', macroF1: 0.7, recall: { negative: 0.5, neutral: 0.9, positive: 0.71 } }, live, 0.01);
  assert.equal(r.promote, false);
  assert.equal(r.reasons.length, 2);
  assert.match(r.reasons[0]!, /^macro-F1 0\.7000 < live 0\.7600/);
  assert.match(r.reasons[1]!, /^negative recall/);
});

test('one class losing recall is refused even when macro-F1 improves', () => {
  const r = applyGate({ version: 'c', macroF1: 0.79, recall: { negative: 0.8, neutral: 0.86, positive: 0.8 } }, live, 0.01);
  assert.equal(r.promote, false);
  assert.deepEqual(r.reasons, ['neutral recall 0.8600 < live 0.8900 − 0.01']);
});

test('a crypto regression beyond its tolerance is refused even when the headline figures hold', () => {
  const c: GateFigures = { ...live, version: 'c', cryptoMacroF1: 0.8 };
  const r = applyGate(c, { ...live, cryptoMacroF1: 0.85 }, 0.01, 0.03);
  assert.equal(r.promote, false);
  assert.deepEqual(r.reasons, ['crypto macro-F1 0.8000 < live 0.8500 − 0.03']);
  assert.equal(r.cryptoTolerance, 0.03);
});

test('crypto within its tolerance passes; a record without crypto figures is gated on the headlines alone', () => {
  assert.equal(applyGate({ ...live, version: 'c', cryptoMacroF1: 0.83 }, { ...live, cryptoMacroF1: 0.85 }, 0.01, 0.03).promote, true);
  const old = applyGate({ ...live, version: 'c' }, { ...live, cryptoMacroF1: 0.85 }, 0.01, 0.03);
  assert.equal(old.promote, true);
  assert.equal(old.cryptoTolerance, undefined);
});
