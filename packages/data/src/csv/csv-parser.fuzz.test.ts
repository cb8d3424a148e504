import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, Rng } from '@kiln/core';
import { tempDir, write } from '../../test/fixtures';
import { readCsvIndex } from './read-csv-index';
import { readCsvSamples } from './read-csv';
import { CsvParser, parseCsvText } from './csv-parser';

const ALPHABET = ['a', 'b', ',', '"', '\n', '\r', '\r\n', ' ', 'é', '😀', '\ufeff', '\0', 'path', 'label', '..', '/', '.png', '\\'];

function randomText(rng: Rng, maxLen: number): string {
  const n = Math.floor(rng.next() * maxLen);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rng.next() * ALPHABET.length)];
  return s;
}

function parseChunked(text: string, rng: Rng): Array<{ fields: string[]; line: number }> {
  const out: Array<{ fields: string[]; line: number }> = [];
  const p = new CsvParser((fields, line) => out.push({ fields, line }));
  for (let at = 0; at < text.length; ) {
    const len = 1 + Math.floor(rng.next() * 7);
    p.push(text.slice(at, at + len));
    at += len;
  }
  p.end();
  return out;
}

const quote = (f: string) => (/[",\r\n]/.test(f) || f !== f.trim() ? `"${f.replace(/"/g, '""')}"` : f);

describe('CSV reader: seeded property tests', () => {
  it('any input gives records or one clear error naming the file, never a crash or hang; chunking never matters', async () => {
    const dir = tempDir();
    const rng = new Rng(20261201, 'csv-fuzz');
    for (let t = 0; t < 1500; t++) {
      const text = t % 3 === 0 ? `path,label\n${randomText(rng, 60)}` : randomText(rng, 80);
      const file = write(join(dir, `f${t}.csv`), text);
      let whole: unknown;
      try {
        whole = parseCsvText(text);
      } catch (err) {
        whole = (err as Error).message;
      }
      let chunked: unknown;
      try {
        chunked = parseChunked(text, rng);
      } catch (err) {
        chunked = (err as Error).message;
      }
      expect(chunked).toEqual(whole);
      for (const read of [() => readCsvSamples(file), () => readCsvIndex(file)]) {
        try {
          const r = await read();
          expect(r.totalRows).toBeGreaterThanOrEqual(0);
          for (const b of r.badRows) expect(b.reason).toContain(`f${t}.csv`);
        } catch (err) {
          expect(err).toBeInstanceOf(DataError);
          expect((err as Error).message).toContain(`f${t}.csv`);
        }
      }
    }
  });

  it('round-trips any records written with RFC 4180 quoting, in any chunking', () => {
    const rng = new Rng(7, 'csv-roundtrip');
    for (let t = 0; t < 300; t++) {
      const width = 1 + Math.floor(rng.next() * 4);
      const records = Array.from({ length: 1 + Math.floor(rng.next() * 5) }, () =>
        Array.from({ length: width }, () => randomText(rng, 6).replace(/\ufeff/g, '')),
      ).filter((r) => !(r.length === 1 && r[0] === ''));
      const eol = rng.next() < 0.5 ? '\n' : '\r\n';
      const text = records.map((r) => r.map((f) => (f === '' && r.length === 1 ? '""' : quote(f))).join(',')).join(eol) + eol;
      expect(parseChunked(text, rng).map((r) => r.fields)).toEqual(records);
    }
  });

  it('counts lines across quoted newlines and reports where an unclosed quote starts', () => {
    expect(parseCsvText('a,b\n"x\ny",z\nlast,1').map((r) => r.line)).toEqual([1, 2, 4]);
    expect(() => parseCsvText('a,b\n\n"open,1\n2\n')).toThrow(/unclosed quote in the record starting on line 3/);
    expect(() => parseCsvText('"a"b,c')).toThrow(/after a closing quote on line 1/);
    expect(() => parseCsvText('ab"c,d')).toThrow(/quote inside an unquoted field/);
    expect(parseCsvText('\ufeffpath\r\n\r\nx\r').map((r) => r.fields)).toEqual([['path'], ['x']]);
  });

  it('reads a large CSV in bounded time (linear, no per-row objects kept)', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 50_000 }, (_, i) => `img/${i % 97}.png,c${i % 10}`);
    const file = write(join(dir, 'big.csv'), `path,label\n${rows.join('\n')}\n`);
    const r = await readCsvIndex(file);
    expect(r.rows.length).toBe(50_000);
    expect(r.labelNames).toHaveLength(10);
    expect(r.cells.get(49_999)).toBe(`img/${49_999 % 97}.png`);
  });
});
