/**
 * Start-up time of `kiln predict` for one image (process start → JSON printed), the figure
 * issue 7 bounds at 2 s. Needs a trained run (`npx nx run cli:train`) and a build.
 *
 *   npx tsx bench/cli/predict-startup.ts [--runs=7] [--image=PATH] [--ckpt=RUN_DIR]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const root = resolve(__dirname, '../..');
const cli = join(root, 'apps/cli/dist/main.js');
const runs = Number(arg('runs') ?? 7);
const ckpt = resolve(arg('ckpt') ?? join(root, 'outputs/latest'));

function firstTestImage(): string {
  const config = readFileSync(join(ckpt, 'config.yaml'), 'utf8');
  const cache = process.env.KILN_CACHE_DIR ?? join(process.env.HOME ?? '', '.cache/kiln');
  const spec = /trainPerClass: (\d+)[\s\S]*?valPerClass: (\d+)[\s\S]*?testPerClass: (\d+)/.exec(config);
  const dir = join(cache, 'datasets', `shapes-v2-0-${spec?.[1] ?? 500}-${spec?.[2] ?? 100}-${spec?.[3] ?? 100}`);
  return join(dir, readFileSync(join(dir, 'test.csv'), 'utf8').split('\n')[1].split(',')[0]);
}

if (!existsSync(cli)) throw new Error(`build first: npx tsc -b tsconfig.build.json (${cli} missing)`);
const image = arg('image') ?? firstTestImage();
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'predict', `--image=${image}`, `--ckpt=${ckpt}`], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`predict failed: ${r.stderr}`);
  JSON.parse(r.stdout);
  times.push(ms);
}
// A bare `node -e 0` in the same run is the floor any Node CLI pays.
const t0 = performance.now();
spawnSync(process.execPath, ['-e', '0']);
const nodeFloor = performance.now() - t0;
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`kiln predict, one image, ${runs} runs: median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms`);
console.log(`node -e 0 in the same run: ${nodeFloor.toFixed(0)} ms (ratio ${(median / nodeFloor).toFixed(1)}×); budget 2000 ms: ${median < 2000 ? 'within' : 'OVER'}`);
