import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, kiln } from './cli';

const TINY = ['data.trainPerClass=12', 'data.valPerClass=4', 'data.testPerClass=4', 'data.batchSize=16', 'trainer.maxEpochs=1'];

/** Every path under `dir` with its size and mtime, and where `latest` points: "changed" is any difference. */
function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${relative(dir, p)} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) walk(p);
      else out.push(`${relative(dir, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

function csvLines(file: string): string[] {
  return readFileSync(file, 'utf8').trim().split('\n');
}

// issue 13, "a real dry run": every check a run makes before writing, every problem listed, exit 2, nothing written.
describe.skipIf(!existsSync(CLI))('kiln train --dry-run', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-dry-run-'));
  const env = { KILN_CACHE_DIR: join(work, 'cache') };
  const outputs = join(work, 'outputs');
  const mine = join(work, 'mine'); // a CSV dataset of the user's own: a copy of the generated shapes
  const csv = (name: string, lines: string[]) => {
    writeFileSync(join(mine, name), lines.join('\n') + '\n');
    return `mine/${name}`;
  };
  const CSV = ['data=csv', 'data.trainCsv=mine/train.csv', 'data.valCsv=mine/val.csv', 'data.batchSize=16', 'trainer.maxEpochs=1', 'callbacks=minimal'];
  let before: string[] = [];

  /** Runs a dry run that must fail, and checks outputs/ (and outputs/latest) did not change. */
  function failing(args: string[]): string {
    const r = kiln(['train', '--dry-run', ...args], work, env);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(snapshot(outputs)).toEqual(before);
    return r.stderr;
  }

  beforeAll(() => {
    const r = kiln(['train', ...TINY, 'callbacks=minimal'], work, env);
    expect(r.code, r.stderr).toBe(0);
    const datasets = join(work, 'cache', 'datasets');
    cpSync(join(datasets, readdirSync(datasets).find((d) => d.startsWith('shapes'))!), mine, { recursive: true });
    before = snapshot(outputs);
    expect(before.some((l) => l.startsWith('latest -> '))).toBe(true);
  });

  it('a good config exits 0 with the plan: components, rows per CSV, steps, checkpoints, an epoch estimate; writes no run', () => {
    const r = kiln(['train', '--dry-run', ...CSV], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/data\s+_target_: csv/);
    expect(r.stdout).toMatch(/model\s+_target_: simple_cnn/);
    expect(r.stdout).toMatch(/callbacks\.model_checkpoint\s+_target_: model_checkpoint/);
    expect(r.stdout).toMatch(/train .*train\.csv: 72 rows, 72 kept, 0 dropped/);
    expect(r.stdout).toMatch(/val .*val\.csv: 24 rows, 24 kept, 0 dropped/);
    expect(r.stdout).toMatch(/72 rows → 5 batches\/epoch \(batch 16\)/);
    expect(r.stdout).toMatch(/checkpoints\/ \(callbacks\.model_checkpoint\): .*best\.ckpt; last\.ckpt/);
    expect(r.stdout).toMatch(/time: ~[\d.]+ (s|min).* per epoch \(5 batches × \d+ ms/);
    expect(snapshot(outputs)).toEqual(before);
  });

  it('the default (built-in shapes) config passes too', () => {
    const r = kiln(['train', '--dry-run', ...TINY], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/data\s+_target_: shapes/);
    expect(r.stdout).toMatch(/classes \(6\): circle, cross, ring, square, star, triangle/);
    expect(snapshot(outputs)).toEqual(before);
  });

  it('unknown _target_s and keys: every one named, before any data is read', () => {
    const err = failing([...CSV, 'data.trainCsv=mine/nope.csv', 'model._target_=resnt', 'optimizer._target_=adm', '+trainer.maxEpoch=2']);
    expect(err).toMatch(/3 problems found in the config \(before any data was read\)/);
    expect(err).toMatch(/Unknown models _target_ 'resnt'.*Did you mean 'resnet'/);
    expect(err).toMatch(/'adm'/);
    expect(err).toMatch(/maxEpoch/);
    expect(err).not.toMatch(/nope\.csv/);
  });

  it('missing CSVs: train and val both named', () => {
    const err = failing([...CSV, 'data.trainCsv=mine/nope-train.csv', 'data.valCsv=mine/nope-val.csv']);
    expect(err).toMatch(/nope-train\.csv: file not found/);
    expect(err).toMatch(/nope-val\.csv: file not found/);
  });

  it('an unknown label and a label id out of range: each row named', () => {
    const lines = csvLines(join(mine, 'train.csv'));
    lines[2] = lines[2].replace(/,circle$/, ',circel');
    lines[40] = lines[40].replace(/,[a-z]+$/, ',9');
    const train = csv('labels.csv', lines);
    const err = failing([...CSV, `data.trainCsv=${train}`, 'data.classes=[circle,cross,ring,square,star,triangle]']);
    expect(err).toMatch(/row 2: unknown class 'circel' \(did you mean 'circle'\?\)/);
    expect(err).toMatch(/row 40: label id 9 is out of range \[0, 6\)/);
  });

  it('missing images (more than maxBadFraction): each file named; one missing image is only a dropped row', () => {
    const lines = csvLines(join(mine, 'train.csv'));
    const broken = lines.map((l, i) => (i > 0 && i % 10 === 0 ? l.replace('.png', '-gone.png') : l)); // 7 of 72
    const err = failing([...CSV, `data.trainCsv=${csv('missing.csv', broken)}`]);
    expect(err).toMatch(/7 of 72 rows unusable/);
    for (let i = 10; i <= 70; i += 10) expect(err).toContain(`missing.csv row ${i}: `);
    expect(err).toMatch(/-gone\.png: image file not found/);

    const one = lines.map((l, i) => (i === 5 ? l.replace('.png', '-gone.png') : l));
    const r = kiln(['train', '--dry-run', ...CSV, `data.trainCsv=${csv('one-missing.csv', one)}`], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/72 rows, 71 kept, 1 dropped/);
    expect(r.stdout).toMatch(/dropped: one-missing\.csv row 5: .*-gone\.png: image file not found/);
  });

  it('an image path outside its root counts as unusable, like a missing one', () => {
    const lines = csvLines(join(mine, 'train.csv'));
    const escaped = lines.map((l, i) => (i > 0 && i <= 8 ? l.replace(/^[^,]+/, '../../etc/passwd') : l));
    const err = failing([...CSV, `data.trainCsv=${csv('escape.csv', escaped)}`]);
    expect(err).toMatch(/escapes the image root/);
  });

  it('train and val with different class sets: the classes named', () => {
    const val = csvLines(join(mine, 'val.csv')).filter((l) => !l.endsWith(',star'));
    const err = failing([...CSV, `data.valCsv=${csv('val-no-star.csv', val)}`]);
    expect(err).toMatch(/train\/val class mismatch: only in train: star/);
  });

  it('several kinds of problem in one dry run: all listed', () => {
    const val = csvLines(join(mine, 'val.csv')).filter((l) => !l.endsWith(',ring'));
    const lines = csvLines(join(mine, 'train.csv'));
    lines[3] = lines[3].replace(/,circle$/, ',circel');
    const err = failing([...CSV, `data.trainCsv=${csv('multi.csv', lines)}`, `data.valCsv=${csv('multi-val.csv', val)}`, 'data.classes=[circle,cross,ring,square,star,triangle]']);
    expect(err).toMatch(/2 problems found in the data/);
    expect(err).toMatch(/unknown class 'circel'/);
    expect(err).toMatch(/only in train: ring/);
  });

  it('a real run makes the same checks before writing anything', () => {
    const val = csvLines(join(mine, 'val.csv')).filter((l) => !l.endsWith(',star'));
    const r = kiln(['train', ...CSV, `data.valCsv=${csv('real-no-star.csv', val)}`], work, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only in train: star/);
    expect(snapshot(outputs)).toEqual(before);
    // An error only the data module's constructor sees is found before writing too.
    const both = kiln(['train', ...CSV, 'data.valSplit=0.2'], work, env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/set either data\.valCsv or data\.valSplit, not both/);
    expect(snapshot(outputs)).toEqual(before);
  });

  it('conflicting trainer options are found before anything runs', () => {
    const err = failing([...CSV, 'trainer.gradientClipVal=1', 'trainer.gradientClipNorm=1']);
    expect(err).toMatch(/set gradientClipVal or gradientClipNorm, not both/);
  });

  it('--cfg only prints the composed config (no checks); --help says which flag checks', () => {
    const r = kiln(['train', '--cfg', 'data=csv', 'data.trainCsv=/nope.csv'], work, env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/trainCsv: \/nope\.csv/);
    const help = kiln(['train', '--help'], work, env).stdout;
    expect(help).toMatch(/--cfg\s+print the composed config and exit \(components and data are not checked: --dry-run checks them\)/);
    expect(help).toMatch(/--dry-run\s+check everything a run needs/);
    expect(statSync(work).isDirectory()).toBe(true);
  });
});
