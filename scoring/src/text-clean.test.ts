// cleanText on hand-picked examples and against the Python twin's output in the parity fixture.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CLEAN_TEXT_VERSION, cleanText } from './text-clean.ts';

const CleanFixture = z.object({
  cleanTextVersion: z.string(),
  cases: z.array(z.object({ text: z.string(), clean: z.string() })).min(1),
});

describe('cleanText', () => {
  test('drops URLs, with or without a scheme', () => {
    assert.equal(cleanText('Fed hikes https://t.co/AbC123 again'), 'fed hikes again');
    assert.equal(cleanText('see http://example.com/a?b=c, www.foo.org/x and t.co/xyz'), 'see and');
    assert.equal(cleanText('http://only-a-link.com'), '');
  });

  test('turns cashtags into bare tickers but keeps amounts', () => {
    assert.equal(cleanText('$BTC and $ETH rally'), 'btc and eth rally');
    assert.equal(cleanText('$5 coffee'), '$5 coffee');
  });

  test('collapses every kind of whitespace and trims', () => {
    assert.equal(cleanText('  Fed\u00a0hikes\u2009rates\n\n\tagain\u3000 '), 'fed hikes rates again');
    assert.equal(cleanText('zero\u200bwidth\ufeffspace\u0085next'), 'zero width space next');
    assert.equal(cleanText(' \t\n '), '');
  });

  test('lowercases ASCII only, leaving other scripts as they are', () => {
    // Full Unicode lowercasing differs between JavaScript and Python versions; see the file header.
    assert.equal(cleanText('Ünïcödé İstanbul ΣΟΦΊΑ BTC'), 'Ünïcödé İstanbul ΣΟΦΊΑ btc');
  });

  test('matches the Python twin on every fixture text', async () => {
    const path = new URL('./fixtures/linear-parity.json', import.meta.url);
    const fixture = CleanFixture.parse(JSON.parse(await readFile(path, 'utf8')));
    assert.equal(fixture.cleanTextVersion, CLEAN_TEXT_VERSION);
    for (const c of fixture.cases) {
      assert.equal(cleanText(c.text), c.clean, `cleanText(${JSON.stringify(c.text)})`);
    }
  });
});
