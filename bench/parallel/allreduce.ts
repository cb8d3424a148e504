/**
 * All-reduce bandwidth, 2 ranks on this machine: Kiln's MpiCommunicator against MPI's own
 * MPI_Allreduce (a C loop, raw_allreduce.c, built with mpicc here; Debian ships no OSU
 * benchmarks) and against today's local IPC path (@kiln/engine's launchWorkers + IpcCommunicator,
 * which moves ≥ 64K floats through /dev/shm files). With --two-hosts, also raw and Kiln across two
 * network namespaces over a veth pair (TCP), as in packages/mpi/test/two-hosts.test.ts.
 *
 *   flock /tmp/kiln-bench.lock npx tsx bench/parallel/allreduce.ts [--sizes 1e6,1e7,1e8] [--reps 5] [--two-hosts] [--no-local]
 *
 * GB/s is algorithmic bandwidth: array bytes / time per call (same for every column); each cell
 * is the best of several interleaved runs (see `bestOf`), with the median beside it, since the machine is shared and MPI busy-polls.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchWorkers } from '@kiln/engine';
import { setUpTwoHosts, type TwoHosts } from '../../packages/mpi/test/two-hosts';

interface Timing {
  floats: number;
  iters: number;
  seconds: number;
}

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const sizes = (opt('--sizes') ?? '1e6,1e7,1e8').split(',').map((s) => Math.round(Number(s)));
const itersFor = (n: number): number => (n <= 1e6 ? 100 : n <= 1e7 ? 20 : 5);
// The machine is shared and MPI busy-polls: each cell is the best of several runs (raw and Kiln
// sum `--reps`, default 5; the others 2; 100M floats 2), the methods interleaved within each round
// so that they see the same load. The median is kept too, to show the spread.
const reps = Number(opt('--reps') ?? 5);
interface Cell extends Timing {
  median: number;
}
async function bestOf(runs: Record<string, [number, () => Timing | Promise<Timing>]>): Promise<Record<string, Cell>> {
  const all: Record<string, Timing[]> = {};
  const rounds = Math.max(...Object.values(runs).map(([n]) => n));
  for (let i = 0; i < rounds; i++) {
    for (const [name, [n, run]] of Object.entries(runs)) if (i < n) (all[name] ??= []).push(await run());
  }
  return Object.fromEntries(
    Object.entries(all).map(([name, ts]) => {
      const sorted = [...ts].sort((x, y) => x.seconds - y.seconds);
      return [name, { ...sorted[0], median: sorted[Math.floor((sorted.length - 1) / 2)].seconds }];
    }),
  );
}
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
const tsx = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
const here = __dirname;

function parse(label: string, out: string): Timing {
  const line = out.split('\n').find((l) => l.startsWith('{"floats"'));
  if (!line) throw new Error(`${label}: no timing in output:\n${out}`);
  return JSON.parse(line) as Timing;
}

function mpirun(label: string, command: string[], extra: string[] = [], launcher: string[] = []): Timing {
  const [cmd, ...pre] = [...launcher, 'mpirun'];
  const r = spawnSync(cmd, [...pre, '-np', '2', '--bind-to', 'none', ...extra, ...command], { env, encoding: 'utf8', timeout: 170_000 });
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return parse(label, r.stdout);
}

async function ipc(n: number, iters: number): Promise<Timing> {
  let out = '';
  await launchWorkers({
    devices: { kind: 'cpu', ids: [0] },
    count: 2,
    script: join(here, 'ipc-worker.ts'),
    args: [String(n), String(iters), 'sum'],
    onOutput: (_rank, _stream, text) => (out += text),
  });
  return parse('ipc', out);
}

const gbps = (t: Timing): number => (t.floats * 4) / t.seconds / 1e9;
const fmt = (t: Cell): string => `${gbps(t).toFixed(2)} GB/s (${(t.seconds * 1e3).toFixed(1)} ms; median ${(t.median * 1e3).toFixed(1)})`;
const ratio = (t: Timing, ref: Timing): string => (ref.seconds / t.seconds).toFixed(2);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-ar-'));
  const raw = join(dir, 'raw_allreduce');
  const cc = spawnSync('mpicc', ['-O2', join(here, 'raw_allreduce.c'), '-o', raw], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`mpicc failed: ${cc.stderr || cc.error}`);
  const kiln = [process.execPath, '--import', tsx, join(here, 'kiln-worker.ts')];
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!argv.includes('--no-local')) {
    console.log('\n| floats | raw MPI_Allreduce | Kiln MPI sum (× raw) | Kiln MPI mean (× raw) | IPC engine path (× raw) |');
    console.log('|---:|---|---|---|---|');
    for (const n of sizes) {
      const iters = itersFor(n);
      const main = n >= 1e8 ? 2 : reps;
      const { r, ks, km, ip } = await bestOf({
        r: [main, () => mpirun('raw', [raw, String(n), String(iters)])],
        ks: [main, () => mpirun('kiln sum', [...kiln, String(n), String(iters), 'sum'])],
        km: [2, () => mpirun('kiln mean', [...kiln, String(n), String(iters), 'mean'])],
        ip: [2, () => ipc(n, iters)],
      });
      console.log(`| ${n.toExponential(0)} | ${fmt(r)} | ${fmt(ks)} (${ratio(ks, r)}) | ${fmt(km)} (${ratio(km, r)}) | ${fmt(ip)} (${ratio(ip, r)}) |`);
    }
  }
  if (argv.includes('--two-hosts')) {
    const hosts: TwoHosts | string = setUpTwoHosts();
    if (typeof hosts === 'string') console.log(`\ntwo hosts skipped: ${hosts}`);
    else {
      try {
        console.log('\nAcross two network namespaces (veth, TCP):\n\n| floats | raw MPI_Allreduce | Kiln MPI sum (× raw) |');
        console.log('|---:|---|---|');
        for (const n of sizes) {
          const iters = itersFor(n);
          const main = n >= 1e8 ? 2 : Math.min(reps, 3);
          const { r, ks } = await bestOf({
            r: [main, () => mpirun('raw 2 hosts', [raw, String(n), String(iters)], hosts.mpirunArgs, hosts.launcher)],
            ks: [main, () => mpirun('kiln 2 hosts', [...kiln, String(n), String(iters), 'sum'], hosts.mpirunArgs, hosts.launcher)],
          });
          console.log(`| ${n.toExponential(0)} | ${fmt(r)} | ${fmt(ks)} (${ratio(ks, r)}) |`);
        }
      } finally {
        hosts.cleanUp();
      }
    }
  }
  console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
