import * as tf from '@tensorflow/tfjs';
import { ConfigError, KilnError, Logger, memorySink } from '@kiln/core';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { BackendProbe } from './detect';
import { initEngine, planEngine, type BackendCandidate } from './init-engine';

/** Whether @tensorflow/tfjs-node is in node_modules (npm keeps it when its optional install step fails). */
const tfjsNodeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node/package.json');
    return true;
  } catch {
    return false;
  }
})();

function capture(): { logger: Logger; lines: () => string[] } {
  const sink = memorySink();
  return { logger: new Logger({ sinks: [sink], level: 'DEBUG' }), lines: () => sink.records.map((r) => `${r.level} ${r.message}`) };
}

/** Fake machine: which candidates are installed, and which of those fail to load. */
function fakeMachine(available: Partial<Record<BackendCandidate, string>>, failing: BackendCandidate[] = []) {
  const missing: Record<BackendCandidate, string> = {
    'tfjs-node-gpu': 'tfjs-node-gpu not installed',
    'tfjs-node': 'tfjs-node not installed',
    native: 'native addon not built',
    wasm: 'tfjs-backend-wasm not installed',
    cpu: 'cpu always available',
  };
  const backendOf: Record<BackendCandidate, string> = {
    'tfjs-node-gpu': 'tensorflow',
    'tfjs-node': 'tensorflow',
    native: 'native',
    wasm: 'wasm',
    cpu: 'cpu',
  };
  const activated: BackendCandidate[] = [];
  return {
    activated,
    probe: async (c: BackendCandidate): Promise<BackendProbe> =>
      available[c] !== undefined || c === 'cpu'
        ? { available: true, reason: available[c] ?? 'cpu always available' }
        : { available: false, reason: missing[c], hint: `get ${c}` },
    activate: async (c: BackendCandidate): Promise<string> => {
      if (failing.includes(c)) throw new Error(`${c} exploded\nstack`);
      activated.push(c);
      return backendOf[c];
    },
  };
}

describe('initEngine backend selection', () => {
  it('auto without GPUs skips tfjs-node-gpu and explains the choice in one INFO line', async () => {
    const machine = fakeMachine({ native: 'native addon built', wasm: 'wasm available' });
    const { logger, lines } = capture();
    const info = await initEngine({ logger, ...machine, prodMode: false });
    expect(info).toMatchObject({
      backend: 'native',
      requested: 'auto',
      reason: 'auto: tfjs-node not installed, native addon built',
      devices: { kind: 'cpu', ids: [0] },
      workers: 1,
      spawnWorkers: false,
    });
    expect(lines()).toEqual(['INFO engine: backend=native (auto: tfjs-node not installed, native addon built) devices=cpu×1']);
  });

  it('auto with GPUs uses tfjs-node-gpu when it loads', async () => {
    const machine = fakeMachine({ 'tfjs-node-gpu': 'tfjs-node-gpu found', 'tfjs-node': 'tfjs-node found' });
    const { logger, lines } = capture();
    const info = await initEngine({ logger, gpus: '1,2', ...machine, prodMode: false });
    expect(info).toMatchObject({ backend: 'tensorflow', devices: { kind: 'gpu', ids: [1, 2] }, workers: 2, spawnWorkers: true });
    expect(info.reason).toBe('auto: tfjs-node-gpu loaded');
    expect(machine.activated).toEqual(['tfjs-node-gpu']);
    const threads = Math.max(1, Math.floor(availableParallelism() / 2));
    expect(lines()).toEqual([`INFO engine: backend=tensorflow (auto: tfjs-node-gpu loaded) devices=gpu×2 [1,2] threads=${threads}`]);
  });

  it('--gpus without a GPU backend warns and runs the same number of CPU workers', async () => {
    const machine = fakeMachine({ wasm: 'wasm available' });
    const { logger, lines } = capture();
    const info = await initEngine({ logger, gpus: [1, 2], ...machine, prodMode: false });
    expect(info.backend).toBe('wasm');
    expect(info.devices).toEqual({ kind: 'cpu', ids: [1, 2] });
    expect(info.threads).toBe(Math.max(1, Math.floor(availableParallelism() / 2)));
    expect(lines()[0]).toBe(
      'WARN --gpus=1,2: no usable GPU backend (tfjs-node-gpu not installed); running 2 CPU worker(s) instead, one per listed id',
    );
    // npm hides install-script output, so falling back past native says how to get it.
    expect(lines()[1]).toMatch(/^WARN engine: the fast native CPU backend is not available \(native addon not built\)/);
    expect(lines()[2]).toMatch(/^INFO engine: backend=wasm \(auto: tfjs-node-gpu not installed, tfjs-node not installed, native addon not built, wasm available\) devices=cpu×2/);
  });

  it('falls through a backend that fails to load in auto mode', async () => {
    const machine = fakeMachine({ native: 'native addon built', wasm: 'wasm available' }, ['native']);
    const info = await initEngine({ ...machine, prodMode: false });
    expect(info.backend).toBe('wasm');
    expect(info.reason).toBe('auto: tfjs-node not installed, native failed to load (native exploded), wasm available');
  });

  it('an explicit backend that cannot load is a KilnError saying how to get it', async () => {
    const machine = fakeMachine({ wasm: 'wasm available' });
    const error = await initEngine({ backend: 'native', ...machine }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KilnError);
    expect((error as Error).message).toBe('engine.backend=native cannot be used: native addon not built. To get it: get native.');
  });

  it('rejects unknown backend names with a suggestion', async () => {
    const error = await initEngine({ backend: 'wsam' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/engine.backend=wsam is not one of .* \(did you mean 'wasm'\?\)/);
  });
});

describe('planEngine', () => {
  it('chooses like initEngine without loading anything', async () => {
    const machine = fakeMachine({ 'tfjs-node-gpu': 'tfjs-node-gpu found' });
    const { logger, lines } = capture();
    const info = await planEngine({ logger, gpus: '0,1', probe: machine.probe, activate: machine.activate });
    expect(info).toMatchObject({ backend: 'tensorflow', devices: { kind: 'gpu', ids: [0, 1] }, spawnWorkers: true });
    expect(machine.activated).toEqual([]);
    expect(lines()).toHaveLength(1);
    const viaInit = await initEngine({ probeOnly: true, workers: 2, probe: machine.probe, activate: machine.activate });
    expect(viaInit).toMatchObject({ backend: 'cpu', devices: { kind: 'cpu', ids: [0, 1] }, spawnWorkers: true });
    expect(machine.activated).toEqual([]);
  });
});

describe('initEngine inside a worker', () => {
  it('keeps quiet at INFO and follows the CPU fallback the launcher chose', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { KILN_RANK: '1', KILN_WORLD_SIZE: '2', KILN_DEVICE_KIND: 'cpu', KILN_DEVICE_ID: '2' });
    try {
      const machine = fakeMachine({ 'tfjs-node-gpu': 'tfjs-node-gpu found', 'tfjs-node': 'tfjs-node found' });
      const { logger, lines } = capture();
      const info = await initEngine({ logger, gpus: [1, 2], ...machine, prodMode: false });
      expect(info).toMatchObject({ rank: 1, worldSize: 2, spawnWorkers: false, devices: { kind: 'cpu', ids: [1, 2] } });
      expect(machine.activated).toEqual(['tfjs-node']);
      expect(lines().every((l) => l.startsWith('DEBUG '))).toBe(true);
      // Two workers share the cores even when each is told only its own device.
      const single = await initEngine({ gpus: [2], ...machine, prodMode: false });
      expect(single.threads).toBe(Math.max(1, Math.floor(availableParallelism() / 2)));
    } finally {
      for (const k of ['KILN_RANK', 'KILN_WORLD_SIZE', 'KILN_DEVICE_KIND', 'KILN_DEVICE_ID']) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

describe('initEngine on this machine', () => {
  it('activates cpu and wasm for real; wasm gets the extra training kernels', async () => {
    expect((await initEngine({ backend: 'cpu' })).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const info = await initEngine({ backend: 'wasm' });
    expect(info).toMatchObject({ backend: 'wasm', reason: 'engine.backend=wasm: wasm available' });
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('auto picks a working backend (native when its addon is built, else wasm)', async () => {
    const info = await initEngine({});
    expect(['native', 'wasm']).toContain(info.backend);
    expect(tf.getBackend()).toBe(info.backend);
    // Either state a user can be in: no tfjs-node, or one whose install step (a libtensorflow download) failed.
    expect(info.reason).toMatch(tfjsNodeInstalled ? /^auto: tfjs-node installed but its native binding is missing, / : /^auto: tfjs-node not installed, /);
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).arraySync());
    expect(sum).toEqual([4, 6]);
  });

  it('explicit tensorflow without a working tfjs-node says how to get it (install, or rebuild a failed install)', async () => {
    await expect(initEngine({ backend: 'tensorflow' })).rejects.toThrow(tfjsNodeInstalled ? /npm rebuild @tensorflow\/tfjs-node/ : /npm install @tensorflow\/tfjs-node/);
  });
});
