/**
 * Training throughput on MPI: an MLP (784-512-512-10, 670K parameters, tfjs `cpu` backend, one
 * core per rank) at global batch 64, with 1 rank, 2 ranks on this machine, and (with --two-hosts)
 * 2 ranks across two network namespaces over TCP; the step split into compute and communication.
 *
 *   flock /tmp/kiln-bench.lock npx tsx bench/parallel/train-step.ts [--steps 15] [--two-hosts]
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setUpTwoHosts, type TwoHosts } from '../../packages/mpi/test/two-hosts';

interface Step {
  ranks: number;
  params: number;
  globalBatch: number;
  computeMs: number;
  commMs: number;
}

const argv = process.argv.slice(2);
const steps = Number(argv[argv.indexOf('--steps') + 1] || 15) || 15;
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
const tsx = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
const worker = [process.execPath, '--import', tsx, join(__dirname, 'train-worker.ts'), '64', String(steps)];

function run(label: string, np: number, extra: string[] = [], launcher: string[] = []): Step {
  const [cmd, ...pre] = [...launcher, 'mpirun'];
  const r = spawnSync(cmd, [...pre, '-np', String(np), '--bind-to', 'none', ...extra, ...worker], { env, encoding: 'utf8', timeout: 170_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`${label} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line) as Step;
}

function row(label: string, s: Step, base?: Step): string {
  const step = s.computeMs + s.commMs;
  const rate = (s.globalBatch * 1000) / step;
  const speedup = base ? ` (${(rate / ((base.globalBatch * 1000) / (base.computeMs + base.commMs))).toFixed(2)}×)` : '';
  return `| ${label} | ${s.ranks} | ${step.toFixed(1)} | ${s.computeMs.toFixed(1)} | ${s.commMs.toFixed(1)} (${((100 * s.commMs) / step).toFixed(0)}%) | ${rate.toFixed(0)}${speedup} |`;
}

function main(): void {
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${steps} steps after 2 warm-up`);
  const one = run('1 rank', 1);
  const two = run('2 ranks', 2);
  console.log(`\nMLP ${one.params} parameters (${((one.params * 4) / 1e6).toFixed(1)} MB of gradients), global batch 64\n`);
  console.log('| setup | ranks | step ms | compute ms | all-reduce + waiting for the slowest rank, ms | samples/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(row('one process', one));
  console.log(row('mpirun, one host', two, one));
  if (argv.includes('--two-hosts')) {
    const hosts: TwoHosts | string = setUpTwoHosts();
    if (typeof hosts === 'string') console.log(`two hosts skipped: ${hosts}`);
    else {
      try {
        console.log(row('two netns hosts, TCP', run('2 hosts', 2, hosts.mpirunArgs, hosts.launcher), one));
      } finally {
        hosts.cleanUp();
      }
    }
  }
  console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main();
