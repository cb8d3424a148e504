/**
 * Reading a full torchvision state_dict: `readWeightsFile` (.pth and its .safetensors copy) against
 * `torch.load(weights_only=True)` in the same invocation (needs /usr/bin/python3 with torch + torchvision;
 * the files are made in a temp folder). Prints medians and the ratios.
 *
 *   npx tsx packages/weights/bench/read-torchvision.ts [model=resnet18] [runs=7]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWeightsFile } from '../src/read-weights';

const PYTHON = '/usr/bin/python3';
const model = process.argv[2] ?? 'resnet18';
const runs = Number(process.argv[3] ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-weights-'));
try {
  // Writes the .pth and a .safetensors copy, then times torch.load on the .pth (ms per run, one JSON line).
  const script = `
import json, struct, sys, time, torch, torchvision
sd = getattr(torchvision.models, sys.argv[1])().state_dict()
torch.save(sd, sys.argv[2] + '/w.pth')
DT = {torch.float32: 'F32', torch.int64: 'I64'}
header, blobs, off = {}, [], 0
for k, v in sd.items():
    b = v.contiguous().numpy().tobytes()
    header[k] = {'dtype': DT[v.dtype], 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}
    blobs.append(b); off += len(b)
h = json.dumps(header).encode(); h += b' ' * ((8 - len(h) % 8) % 8)
open(sys.argv[2] + '/w.safetensors', 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
times = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter(); torch.load(sys.argv[2] + '/w.pth', weights_only=True); times.append((time.perf_counter() - t) * 1000)
print(json.dumps(times))
`;
  const py = spawnSync(PYTHON, ['-c', script, model, dir, String(runs)], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`torch/torchvision needed: ${py.stderr.trim().split('\n').at(-1)}`);
  const torchMs = median(JSON.parse(py.stdout.trim().split('\n').at(-1)!) as number[]);
  const time = (file: string) => {
    const ts: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      readWeightsFile(join(dir, file));
      ts.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return median(ts);
  };
  const pth = time('w.pth');
  const st = time('w.safetensors');
  console.log(`${model}: torch.load(weights_only=True) ${torchMs.toFixed(1)} ms | readWeightsFile .pth ${pth.toFixed(1)} ms (×${(pth / torchMs).toFixed(2)}) | .safetensors ${st.toFixed(1)} ms (×${(st / torchMs).toFixed(2)}) — medians of ${runs}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
