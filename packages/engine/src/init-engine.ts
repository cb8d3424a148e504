import * as tf from '@kiln/contracts/tf';
import { ConfigError, didYouMean, KilnError, silentLogger, type Logger } from '@kiln/core';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import {
  nvidiaDriverPresent,
  probeNative,
  probeTfjsNode,
  probeWasm,
  type BackendProbe,
  type NativeBackendModule,
  type TfjsNodePackage,
} from './detect';
import { describeDevices, resolveDevices, type DeviceRequest } from './gpus';
import { ENV_DEVICE_KIND } from './parallel/messages';
import { workerIdentity } from './parallel/communicator';
import { registerWasmExtras } from './wasm/register-wasm-extras';
import { wasmBinaryDir } from './wasm/wasm-paths';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** A concrete way to get a backend; several can provide tfjs's `tensorflow` backend. */
export type BackendCandidate = 'tfjs-node-gpu' | 'tfjs-node' | 'native' | 'wasm' | 'cpu';

export interface InitEngineOptions {
  /** `engine.backend` (default `KILN_BACKEND` or `auto`); other strings are a ConfigError. */
  backend?: BackendChoice | (string & {});
  /** `--gpus` ids (or text like `1,2`). */
  gpus?: number[] | string;
  /** `--workers=N` / `trainer.devices=N`: N CPU workers. */
  workers?: number;
  /** An already-resolved device request (overrides gpus/workers). */
  devices?: DeviceRequest;
  logger?: Logger;
  /** Compute threads for the backend; default: the backend's own, or cores split evenly among workers. */
  threads?: number;
  /** Silence tfjs console warnings (`tf.enableProdMode()`, default true; see README). */
  prodMode?: boolean;
  /** Decide without loading anything (same as `planEngine`). */
  probeOnly?: boolean;
  /** Replaces backend probing (tests). */
  probe?: (candidate: BackendCandidate) => Promise<BackendProbe>;
  /** Replaces loading a backend (tests); returns the tfjs backend name now active. */
  activate?: (candidate: BackendCandidate, threads: number | undefined) => Promise<string>;
}

export interface EngineInfo {
  /** tfjs backend name in use: `tensorflow`, `native`, `wasm` or `cpu`. */
  backend: string;
  requested: BackendChoice;
  /** Why this backend, e.g. `auto: tfjs-node not installed, native addon built`. */
  reason: string;
  /** Devices of the whole run (after a GPU→CPU fallback); one worker per id. */
  devices: DeviceRequest;
  workers: number;
  /** This process's place in the worker group (0 / 1 outside workers). */
  rank: number;
  worldSize: number;
  /** True in the launching process when more than one worker is needed (call `launchWorkers`). */
  spawnWorkers: boolean;
  threads?: number;
}

const localRequire = createRequire(__filename);

function candidatesFor(choice: BackendChoice, wantGpu: boolean): BackendCandidate[] {
  switch (choice) {
    case 'auto':
      return [...(wantGpu ? (['tfjs-node-gpu'] as const) : []), 'tfjs-node', 'native', 'wasm', 'cpu'];
    case 'tensorflow':
      return wantGpu ? ['tfjs-node-gpu', 'tfjs-node'] : ['tfjs-node', 'tfjs-node-gpu'];
    default:
      return [choice];
  }
}

const packageOf = (c: 'tfjs-node' | 'tfjs-node-gpu'): TfjsNodePackage => `@tensorflow/${c}`;
let nativeModule: NativeBackendModule | undefined;

async function defaultProbe(candidate: BackendCandidate): Promise<BackendProbe> {
  switch (candidate) {
    case 'tfjs-node-gpu': {
      const probe = probeTfjsNode(packageOf(candidate));
      if (probe.available && !nvidiaDriverPresent()) {
        return { available: false, reason: 'tfjs-node-gpu found but no NVIDIA driver', hint: 'install the NVIDIA driver, CUDA 11.2 and cuDNN 8.1' };
      }
      return probe;
    }
    case 'tfjs-node':
      return probeTfjsNode(packageOf(candidate));
    case 'native': {
      const probe = await probeNative();
      nativeModule = probe.module;
      return probe;
    }
    case 'wasm':
      return probeWasm();
    case 'cpu':
      return { available: true, reason: 'cpu always available' };
  }
}

async function setBackendOrThrow(name: string): Promise<string> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
  return tf.getBackend();
}

async function defaultActivate(candidate: BackendCandidate, threads: number | undefined): Promise<string> {
  switch (candidate) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      if (threads) {
        // Read by libtensorflow when its first session starts.
        process.env.TF_NUM_INTRAOP_THREADS ??= String(threads);
        process.env.TF_NUM_INTEROP_THREADS ??= '1';
      }
      localRequire(packageOf(candidate));
      return setBackendOrThrow('tensorflow');
    }
    case 'native': {
      if (threads) process.env.KILN_NATIVE_THREADS ??= String(threads);
      if (!nativeModule?.registerNativeBackend()) throw new Error('registerNativeBackend() returned false');
      return setBackendOrThrow('native');
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmBinaryDir());
      if (threads) wasm.setThreadsCount(threads);
      registerWasmExtras();
      return setBackendOrThrow('wasm');
    }
    case 'cpu':
      return setBackendOrThrow('cpu');
  }
}

function validateChoice(value: unknown): BackendChoice {
  if (typeof value === 'string' && (BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new ConfigError(
    `engine.backend=${String(value)} is not one of ${BACKEND_CHOICES.join(' | ')}${didYouMean(String(value), BACKEND_CHOICES)}`,
    { key: 'engine.backend', path: 'engine.backend', suggestions: [...BACKEND_CHOICES] },
  );
}

const BACKEND_NAME: Record<BackendCandidate, string> = {
  'tfjs-node-gpu': 'tensorflow',
  'tfjs-node': 'tensorflow',
  native: 'native',
  wasm: 'wasm',
  cpu: 'cpu',
};

async function selectEngine(options: InitEngineOptions, load: boolean): Promise<EngineInfo> {
  const logger = options.logger ?? silentLogger;
  const { rank, worldSize } = workerIdentity();
  const inWorker = worldSize > 1;
  const requested = validateChoice(options.backend ?? process.env.KILN_BACKEND ?? 'auto');
  let devices = options.devices ?? resolveDevices({ gpus: options.gpus, workers: options.workers });
  // Inside a worker the parent already decided (and warned) whether GPUs are usable.
  if (inWorker && process.env[ENV_DEVICE_KIND] === 'cpu' && devices.kind === 'gpu') devices = { kind: 'cpu', ids: devices.ids };
  const wantGpu = devices.kind === 'gpu';
  // Workers share this machine's cores (GPU workers too: their host-side ops use CPU threads).
  const localWorkers = inWorker ? worldSize : devices.ids.length;
  const threads =
    options.threads ?? (localWorkers > 1 ? Math.max(1, Math.floor(availableParallelism() / localWorkers)) : undefined);
  const probe = options.probe ?? defaultProbe;
  const activate = load ? (options.activate ?? defaultActivate) : async (c: BackendCandidate) => BACKEND_NAME[c];

  const skipped: string[] = [];
  const hints: string[] = [];
  let chosen: { candidate: BackendCandidate; backend: string; why: string } | undefined;
  for (const candidate of candidatesFor(requested, wantGpu)) {
    const found = await probe(candidate);
    if (!found.available) {
      skipped.push(found.reason);
      if (found.hint) hints.push(found.hint);
      continue;
    }
    try {
      const backend = await activate(candidate, threads);
      chosen = { candidate, backend, why: found.reason.replace(/ found$/, ' loaded') };
      break;
    } catch (error) {
      skipped.push(`${candidate} failed to load (${(error as Error).message.split('\n')[0]})`);
    }
  }
  if (!chosen) {
    throw new KilnError(
      `engine.backend=${requested} cannot be used: ${skipped.join('; ')}.${hints.length ? ` To get it: ${hints.join('; or ')}.` : ''}`,
    );
  }
  // The launching (or only) process speaks; workers repeat it at DEBUG.
  const say = (level: 'info' | 'warn', message: string): void =>
    inWorker ? logger.debug(`${message} (rank ${rank}/${worldSize})`) : logger[level](message);
  if (wantGpu && chosen.candidate !== 'tfjs-node-gpu') {
    const why = requested === 'auto' || requested === 'tensorflow' ? skipped.find((s) => s.includes('tfjs-node-gpu')) : undefined;
    say(
      'warn',
      `--gpus=${devices.ids.join(',')}: no usable GPU backend (${why ?? `engine.backend=${requested} runs on CPU`}); ` +
        `running ${devices.ids.length} CPU worker(s) instead, one per listed id`,
    );
    devices = { kind: 'cpu', ids: devices.ids };
  }
  // npm hides install-script output, so the way to the fast backend is said here, once per run.
  if (requested === 'auto' && (chosen.candidate === 'wasm' || chosen.candidate === 'cpu') && hints.length) {
    say('warn', `engine: the fast native CPU backend is not available (${skipped.filter((r) => r.includes('native')).join('; ')}); ${hints[hints.length - 1]}`);
  }
  const mode = requested === 'auto' ? 'auto' : `engine.backend=${requested}`;
  const reason = `${mode}: ${[...skipped, chosen.why].join(', ')}`;
  const info: EngineInfo = {
    backend: chosen.backend,
    requested,
    reason,
    devices,
    workers: devices.ids.length,
    rank,
    worldSize,
    spawnWorkers: devices.ids.length > 1 && !inWorker,
    ...(threads ? { threads } : {}),
  };
  say('info', `engine: backend=${info.backend} (${reason}) devices=${describeDevices(devices)}${threads ? ` threads=${threads}` : ''}`);
  return info;
}

/**
 * Picks, loads and activates the tfjs backend, and settles which devices the run uses.
 * `auto` tries tfjs-node-gpu (only when GPUs are asked for), tfjs-node, native, wasm, cpu — in that
 * order, skipping what is not installed or fails to load. An explicitly requested backend that
 * cannot load is a `KilnError` saying how to get it. Logs one INFO line (at DEBUG inside workers,
 * whose launcher already said it).
 */
export async function initEngine(options: InitEngineOptions = {}): Promise<EngineInfo> {
  if (options.probeOnly) return selectEngine(options, false);
  const info = await selectEngine(options, true);
  // In tfjs 4.22 PROD only silences tfjs console warnings (the cpu "install tfjs-node" banner,
  // platform overrides); NaN checks belong to the separate DEBUG flag, which stays off.
  if (options.prodMode !== false) tf.enableProdMode();
  return info;
}

/**
 * Like `initEngine` but loads nothing: the launcher of a multi-worker run calls this to decide
 * devices and workers without initialising a GPU backend (and grabbing every GPU) itself.
 * `backend` is the tfjs backend the workers are expected to get; they confirm it with `initEngine`.
 */
export async function planEngine(options: InitEngineOptions = {}): Promise<EngineInfo> {
  return selectEngine(options, false);
}
