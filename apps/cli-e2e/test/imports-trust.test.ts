import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, kiln } from './cli';

const TINY = ['data.trainPerClass=4', 'data.valPerClass=2', 'data.testPerClass=2', 'data.batchSize=8', 'trainer.maxEpochs=1', 'model=mlp'];

// Issue 13, bug 4: a checkpoint is data. `test`/`predict` must not run the modules a run folder's
// config.yaml lists under `imports:` unless the user asks (`--trust-imports`, `--import=…`), and
// opening the run from another folder must not fail on a relative import it does not need.
describe.skipIf(!existsSync(CLI))('test/predict and a run folder’s imports', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-imports-'));
  const elsewhere = join(work, 'elsewhere');
  const marker = join(work, 'imported.txt');
  const env = { KILN_CACHE_DIR: join(work, 'cache') };
  let runDir = '';
  let image = '';

  beforeAll(() => {
    mkdirSync(elsewhere);
    // importing this module leaves a file behind: the observable "their code ran"
    writeFileSync(
      join(work, 'my_plugin.js'),
      `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');
class Marker { static type = 'marker'; }
exports.register = (r) => r.callbacks.register(Marker, 'my-plugin');\n`,
    );
    const r = kiln(['train', ...TINY, 'callbacks=minimal', 'imports=[./my_plugin.js]'], work, env);
    expect(r.code, r.stderr).toBe(0);
    runDir = join(work, 'outputs', 'latest');
    const datasets = join(work, 'cache', 'datasets');
    const shapes = join(datasets, readdirSync(datasets).find((d) => d.startsWith('shapes'))!);
    image = join(shapes, 'test', 'star', readdirSync(join(shapes, 'test', 'star'))[0]);
    rmSync(marker, { force: true });
  });

  it('predict from another folder neither runs nor needs the run’s imports', () => {
    const r = kiln(['predict', `--image=${image}`, `--ckpt=${runDir}`], elsewhere, env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('test in the run’s own folder does not run them either', () => {
    const input = join(work, 'one.csv');
    writeFileSync(input, `path\n${image}\n`);
    const r = kiln(['test', `--input=${input}`, '--output=out.csv', `--ckpt=${runDir}`], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('--trust-imports runs them, found from the run’s config.yaml wherever the command runs', () => {
    const r = kiln(['predict', `--image=${image}`, `--ckpt=${runDir}`, '--trust-imports'], elsewhere, env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
  });

  it('--import=… loads a module the user names (relative to where they run)', () => {
    const r = kiln(['predict', `--image=${image}`, `--ckpt=${runDir}`, '--import=../my_plugin.js'], elsewhere, env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
  });
});
