import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger, memorySink } from '@kiln/core';
import { ImageProcessor } from '@kiln/processors';
import { evalLoaderForCsv, type Batch } from '../src/index';
import { imageFolder, write } from './fixtures';

const processor = new ImageProcessor({ size: [4, 4], mean: [0], std: [1] });

describe('evalLoaderForCsv', () => {
  it('reports bad rows and unknown labels without aborting, in CSV order', async () => {
    const { dir, rows } = await imageFolder(2);
    write(join(dir, 'img/text.png'), 'not an image');
    write(join(dir, 'test.csv'), `path,label\n${rows.join('\n')}\nimg/text.png,a\nmissing.png,b\n${rows[0].replace(',a', ',zebra')}\n`);
    const sink = memorySink();
    const { loader, badRows, hasLabels, totalRows } = await evalLoaderForCsv(join(dir, 'test.csv'), {
      processor,
      classes: ['a', 'b'],
      batchSize: 3,
      logger: new Logger({ sinks: [sink] }),
    });
    expect(hasLabels).toBe(true);
    expect(totalRows).toBe(7);
    expect(badRows.map((b) => b.row)).toEqual([5, 6, 7]);
    expect(badRows[2].reason).toMatch(/row 7: unknown class 'zebra'/);
    expect(sink.records.filter((r) => r.level === 'WARN')).toHaveLength(3);
    const batches: Batch[] = [];
    for await (const b of loader) batches.push(b);
    expect(batches.map((b) => b.rows)).toEqual([[1, 2, 3], [4]]);
    expect([...batches[0].labels!]).toEqual([0, 1, 0]);
  });

  it('works without a label column', async () => {
    const { dir, rows } = await imageFolder(1);
    write(join(dir, 'p.csv'), `path\n${rows.map((r) => r.split(',')[0]).join('\n')}\n`);
    const { loader, hasLabels } = await evalLoaderForCsv(join(dir, 'p.csv'), { processor, classes: ['a', 'b'], cache: 'memory' });
    expect(hasLabels).toBe(false);
    for await (const b of loader) {
      expect(b.labels).toBeUndefined();
      expect(b.shape).toEqual([2, 4, 4, 3]);
    }
  });
});
