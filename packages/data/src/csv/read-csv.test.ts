import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '@kiln/core';
import { tempDir, write } from '../../test/fixtures';
import { readCsvSamples } from './read-csv';

describe('readCsvSamples', () => {
  it('handles a UTF-8 BOM, CRLF line ends and quoted fields with commas; keeps extra columns as metadata', () => {
    const dir = tempDir();
    const csv = write(join(dir, 'd.csv'), '\ufeffpath,label,note\r\n"a,b.png",cat,"x, y"\r\nc.png,dog,\r\n\r\n');
    const r = readCsvSamples(csv);
    expect(r.header).toEqual(['path', 'label', 'note']);
    expect(r.samples).toEqual([
      { row: 1, path: join(dir, 'a,b.png'), label: 'cat', meta: { note: 'x, y' } },
      { row: 2, path: join(dir, 'c.png'), label: 'dog', meta: { note: '' } },
    ]);
    expect(r.badRows).toEqual([]);
    expect(r.totalRows).toBe(2);
  });

  it('drops a ragged row, naming its row number', () => {
    const dir = tempDir();
    const csv = write(join(dir, 'd.csv'), 'path,label\na.png,x\nb.png,y,extra\nc.png\nd.png,z\n');
    const r = readCsvSamples(csv);
    expect(r.samples.map((s) => s.row)).toEqual([1, 4]);
    expect(r.badRows.map((b) => b.row)).toEqual([2, 3]);
    expect(r.badRows[0].reason).toMatch(/d\.csv row 2 .*ragged/);
    expect(r.badRows[0].path).toBe('b.png');
  });

  it('uses configurable column names and reports a missing path column with a suggestion', () => {
    const dir = tempDir();
    const csv = write(join(dir, 'd.csv'), 'file,cls\na.png,x\n');
    expect(readCsvSamples(csv, { pathColumn: 'file', labelColumn: 'cls' }).samples[0].label).toBe('x');
    expect(() => readCsvSamples(csv, { pathColumn: 'fil' })).toThrow(/no 'fil' column.*did you mean 'file'/);
    expect(() => readCsvSamples(csv)).toThrow(DataError);
  });

  it('reads headerless CSVs when columns are given as indices', () => {
    const dir = tempDir();
    const csv = write(join(dir, 'd.csv'), '3,a.png\n5,b.png\n');
    const r = readCsvSamples(csv, { pathColumn: 1, labelColumn: 0 });
    expect(r.header).toBeUndefined();
    expect(r.samples.map((s) => [s.row, s.label, s.path])).toEqual([
      [1, '3', join(dir, 'a.png')],
      [2, '5', join(dir, 'b.png')],
    ]);
  });

  it('treats a CSV without the label column as unlabelled (test CSVs)', () => {
    const dir = tempDir();
    const r = readCsvSamples(write(join(dir, 't.csv'), 'path\na.png\n'));
    expect(r.hasLabels).toBe(false);
    expect(r.samples[0].label).toBeUndefined();
  });

  it('rejects absolute paths and paths escaping the root unless allowOutsideRoot', () => {
    const dir = tempDir();
    const body = `path,label\n../secret.png,x\n/etc/passwd,x\nsub/../ok.png,x\n`;
    const csv = write(join(dir, 'd.csv'), body);
    const r = readCsvSamples(csv);
    expect(r.samples.map((s) => s.path)).toEqual([join(dir, 'ok.png')]);
    expect(r.badRows.map((b) => [b.row, b.path])).toEqual([
      [1, '../secret.png'],
      [2, '/etc/passwd'],
    ]);
    expect(r.badRows[0].reason).toMatch(/escapes the image root/);
    expect(r.badRows[1].reason).toMatch(/absolute path not allowed/);
    const open = readCsvSamples(csv, { allowOutsideRoot: true });
    expect(open.samples.map((s) => s.path)).toEqual([join(dir, '..', 'secret.png'), '/etc/passwd', join(dir, 'ok.png')]);
  });

  it('resolves paths against imageRoot when set', () => {
    const dir = tempDir();
    const csv = write(join(dir, 'csvs', 'd.csv'), 'path,label\na.png,x\n');
    expect(readCsvSamples(csv, { imageRoot: join(dir, 'images') }).samples[0].path).toBe(join(dir, 'images', 'a.png'));
  });

  it('drops rows with an empty path or label; fails on an unreadable or malformed file', () => {
    const dir = tempDir();
    const r = readCsvSamples(write(join(dir, 'd.csv'), 'path,label\n,x\na.png,\nb.png,y\n'));
    expect(r.badRows.map((b) => b.reason)).toEqual([expect.stringMatching(/empty image path/), expect.stringMatching(/empty label/)]);
    expect(() => readCsvSamples(join(dir, 'nope.csv'))).toThrow(/cannot read CSV .*nope\.csv: file not found.*kiln dataset import/);
    expect(() => readCsvSamples(write(join(dir, 'q.csv'), 'path,label\n"a.png,x\n'))).toThrow(/not a valid CSV/);
    expect(() => readCsvSamples(write(join(dir, 'e.csv'), ''))).toThrow(/header row is required/);
  });
});
