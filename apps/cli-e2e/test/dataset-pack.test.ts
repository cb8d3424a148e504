import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CLI, kiln } from './cli';

/** A tiny labelled CSV of solid-colour PNGs (2 classes × 8). */
async function writeCsv(dir: string): Promise<string> {
  mkdirSync(join(dir, 'img'), { recursive: true });
  const rows = ['path,label'];
  for (let i = 0; i < 16; i++) {
    const label = i % 2 ? 'red' : 'blue';
    const name = `img/${i}.png`;
    const color = label === 'red' ? { r: 200, g: 10, b: 10 } : { r: 10, g: 10, b: 200 };
    await sharp({ create: { width: 8, height: 8, channels: 3, background: color } }).png().toFile(join(dir, name));
    rows.push(`${name},${label}`);
  }
  writeFileSync(join(dir, 'train.csv'), rows.join('\n') + '\n');
  return 'train.csv';
}

describe.skipIf(!existsSync(CLI))('kiln dataset pack', () => {
  it('packs a CSV into .tar shards that `data=webdataset` trains on', async () => {
    const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-pack-'));
    const csv = await writeCsv(work);
    const packed = kiln(['dataset', 'pack', `--csv=${csv}`, '--out=shards', '--shard-size=5'], work);
    expect(packed.code, packed.stderr).toBe(0);
    expect(packed.stdout).toContain('packed 16 samples into 4 shard(s)');
    expect(readdirSync(join(work, 'shards')).filter((f) => f.endsWith('.tar'))).toHaveLength(4);
    const pattern = /data\.trainShards=(\S+)/.exec(packed.stdout)![1];
    const trained = kiln(['train', 'data=webdataset', `data.trainShards=${pattern}`, 'data.batchSize=4',
      'data.processor.size=[8,8]', 'model=mlp', 'trainer.maxEpochs=1', 'callbacks=minimal'], work);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout + trained.stderr).toMatch(/epoch 0 train: train\/loss=/);
  });

  it('a missing shard exits 2 before anything is written', () => {
    const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-pack-'));
    const r = kiln(['train', 'data=webdataset', 'data.trainShards=shards/shard-{000000..000003}.tar', 'trainer.maxEpochs=1'], work);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('4 train shard(s) not found');
    expect(existsSync(join(work, 'outputs'))).toBe(false);
  });

  it('usage errors exit 2 with one line', () => {
    const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-pack-'));
    const r = kiln(['dataset', 'pack', '--out=shards'], work);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--csv and --out are required');
    const bad = kiln(['dataset', 'pack', '--csv=x.csv', '--out=s', '--shard-size=0'], work);
    expect(bad.code).toBe(2);
  });
});
