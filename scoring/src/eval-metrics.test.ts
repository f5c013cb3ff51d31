// The card's figures: macro-F1 against scikit-learn's definition, and the bootstrap intervals.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMacroF1, threeClassMetrics, type ClassIndex } from './eval-metrics.ts';

// 60 labels, imbalanced like tfns (neutral most), and a predictor that is right 70 % of the time.
const truth: ClassIndex[] = Array.from({ length: 60 }, (_, i) => (i % 6 === 0 ? 0 : i % 6 === 1 ? 2 : 1));
const noisy: ClassIndex[] = truth.map((t, i) => (i % 10 < 7 ? t : (((t + 1 + (i % 2)) % 3) as ClassIndex)));

describe('threeClassMetrics', () => {
  test('macro-F1 is the mean of the per-class F1s (scikit-learn: f1_score(average="macro"))', () => {
    // sklearn: f1_score([0,0,1,1,1,2], [0,1,1,1,2,2], average='macro') == 0.6667 (each class's F1 is 2/3).
    const m = threeClassMetrics([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2]);
    assert.deepEqual(m.confusion, [[1, 1, 0], [0, 2, 1], [0, 0, 1]]);
    assert.equal(m.macroF1, 0.6667);
    assert.equal(m.perClass.negative.recall, 0.5);
    assert.equal(m.perClass.positive.precision, 0.5);
  });
});

describe('bootstrapMacroF1', () => {
  test('the interval holds the point estimate, and a perfect predictor has no spread', () => {
    const point = threeClassMetrics(truth, noisy).macroF1;
    const b = bootstrapMacroF1(truth, [noisy, truth]);
    const [ci, perfect] = b.macroF1;
    assert.ok(ci!.low < point && point < ci!.high, `${point} outside ${JSON.stringify(ci)}`);
    assert.ok(ci!.high - ci!.low > 0.05, 'sixty labels leave a wide interval');
    assert.deepEqual(perfect, { low: 1, high: 1 });
  });

  test('the same seed gives the same interval; another seed, nearly the same', () => {
    const a = bootstrapMacroF1(truth, [noisy]);
    assert.deepEqual(bootstrapMacroF1(truth, [noisy]), a);
    const other = bootstrapMacroF1(truth, [noisy], { seed: 7 });
    assert.ok(Math.abs(other.macroF1[0]!.low - a.macroF1[0]!.low) < 0.03);
  });

  test('four times the headlines halve the width (it shrinks as one over the square root of n)', () => {
    const width = (t: ClassIndex[], p: ClassIndex[]) => {
      const ci = bootstrapMacroF1(t, [p]).macroF1[0]!;
      return ci.high - ci.low;
    };
    const ratio = width(truth, noisy) / width([...truth, ...truth, ...truth, ...truth], [...noisy, ...noisy, ...noisy, ...noisy]);
    assert.ok(ratio > 1.7 && ratio < 2.3, `width ratio ${ratio}`);
  });

  test('a paired difference: zero against itself, positive for a clearly better model', () => {
    const b = bootstrapMacroF1(truth, [noisy, noisy, truth]);
    assert.deepEqual(b.differenceFromFirst[0], { low: 0, high: 0 });
    assert.ok(b.differenceFromFirst[1]!.low > 0);
  });

  test('refuses predictions that do not line up with the labels', () => {
    assert.throws(() => bootstrapMacroF1(truth, [noisy.slice(1)]), /59 predictions for 60 labels/);
  });
});
