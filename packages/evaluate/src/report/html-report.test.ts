import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { classificationReport } from '@kiln/metrics';
import { describe, expect, it } from 'vitest';
import { confusionPng } from './confusion-png';
import { toCsv } from './csv-writer';
import { htmlReport } from './html-report';
import { parseCsv, readPredictions, worstMisclassified } from './predictions-csv';

const CLASSES = ['cat', 'dog'];

async function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-html-'));
  // 40×30 red image (relative path) and a missing file
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toFile(join(dir, 'red.png'));
  const csv = toCsv(
    ['path', 'prediction', 'confidence', 'label', 'p_cat', 'p_dog', 'error'],
    [
      ['red.png', 'dog', 0.91, 'cat', 0.09, 0.91, ''],
      [join(dir, 'ok.png'), 'cat', 0.99, 'cat', 0.99, 0.01, ''],
      [join(dir, 'gone.png'), 'cat', 0.6, 'dog', 0.6, 0.4, ''],
      ['=evil,"quoted".png', 'cat', 0.95, 'dog', 0.95, 0.05, ''],
      ['broken.png', null, null, 'dog', null, null, 'cannot decode'],
    ],
    new Set(['path', 'prediction', 'label', 'error']),
  );
  const confusion = [
    [1, 1],
    [2, 0],
  ];
  return { dir, csv, confusion };
}

describe('predictions CSV', () => {
  it('parses RFC 4180 quoting and undoes the formula guard', () => {
    expect(parseCsv('a,"b,""c"""\r\n"x\ny",z\n')).toEqual([
      ['a', 'b,"c"'],
      ['x\ny', 'z'],
    ]);
  });

  it('ranks wrong predictions by confidence, skipping errors and right ones', async () => {
    const { csv } = await fixture();
    const rows = readPredictions(csv);
    expect(rows).toHaveLength(4);
    expect(worstMisclassified(rows, 10).map((r) => [r.path.split('/').pop(), r.confidence])).toEqual([
      ['=evil,"quoted".png', 0.95],
      ['red.png', 0.91],
      ['gone.png', 0.6],
    ]);
    expect(worstMisclassified(rows, 1)).toHaveLength(1);
  });
});

describe('htmlReport', () => {
  it('is self-contained: metrics, per-class table, embedded confusion PNG, thumbnails of the worst mistakes', async () => {
    const { dir, csv, confusion } = await fixture();
    const report = classificationReport(confusion, CLASSES);
    const html = await htmlReport({
      input: join(dir, 'in.csv'),
      checkpoint: '/runs/x/best.ckpt',
      report,
      metrics: { accuracy: report.accuracy, macro_f1: report.macro.f1 },
      confusion,
      classes: CLASSES,
      badRows: 1,
      confusionPng: await confusionPng(confusion, CLASSES),
      predictionsCsv: csv,
    });
    expect(html).toMatch(/<table id="metrics">.*<td>accuracy<\/td><td>25\.00%<\/td>/s);
    expect(html).toMatch(/<table id="per-class">.*<td>cat<\/td><td>33\.33<\/td><td>50\.00<\/td>/s);
    expect(html).toMatch(/<img id="confusion" [^>]*src="data:image\/png;base64,iVBOR/);
    expect(html.match(/<figure class="mistake">/g)).toHaveLength(3);
    // the readable image becomes a 96 px data-URI thumbnail; the missing ones say so
    const thumbs = [...html.matchAll(/<img class="thumb" src="data:image\/png;base64,([^"]+)"/g)];
    expect(thumbs).toHaveLength(1);
    const meta = await sharp(Buffer.from(thumbs[0][1], 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([96, 72]);
    expect(html.match(/image not readable/g)).toHaveLength(2);
    // user text is escaped; nothing is fetched from anywhere
    expect(html).toContain('=evil,&#34;quoted&#34;.png');
    expect(html).not.toMatch(/(src|href)="(https?:|\/\/|file:)/);
    expect(html).toContain(`default-src 'none'`);
    expect(html).toContain('unreadable rows: 1');
  });
});
