import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, write } from '../../test/fixtures';
import { readCsvIndex } from './read-csv-index';

describe('readCsvIndex', () => {
  it('parses an unchanged CSV once per process; a changed file, other options or keepRecords read it again', async () => {
    const dir = tempDir();
    const csv = write(join(dir, 'd.csv'), 'path,label\na.png,x\nb.png,y\n');
    const first = await readCsvIndex(csv);
    expect(await readCsvIndex(csv)).toBe(first); // the pre-flight check and the data module share it
    expect(await readCsvIndex(csv, { labelColumn: 'path' })).not.toBe(first);
    const kept = await readCsvIndex(csv, {}, { keepRecords: true });
    expect(kept).not.toBe(first);
    expect(kept.records).toHaveLength(2);
    writeFileSync(csv, 'path,label\na.png,x\nb.png,y\nc.png,z\n');
    const changed = await readCsvIndex(csv);
    expect(changed).not.toBe(first);
    expect(changed.totalRows).toBe(3);
  });
});
