import { fork, type ChildProcess } from 'node:child_process';
import { KilnError, silentLogger, type Logger } from '@kiln/core';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { DeviceRequest } from '../gpus';
import { CollectiveHub } from './collective-hub';
import { createSharedDir, ENV_COMM_DIR, removeSharedDir } from './shared-files';
import { ENV_DEVICE_ID, ENV_DEVICE_KIND, ENV_RANK, ENV_WORLD_SIZE, isCollectiveRequest } from './messages';

export interface LaunchWorkersOptions {
  /** One worker per id; GPU workers see only their device through `CUDA_VISIBLE_DEVICES`. */
  devices: DeviceRequest;
  /** Module each worker runs (`.js`/`.cjs`, or `.ts` run through tsx). */
  script: string;
  args?: string[];
  /** Extra environment for every worker (on top of this process's). */
  env?: Record<string, string | undefined>;
  /** Node flags for workers; default none, or tsx's loader for a `.ts` script. */
  execArgv?: string[];
  cwd?: string;
  logger?: Logger;
  /** Receives worker output instead of it going straight to this process's stdout/stderr. */
  onOutput?: (rank: number, stream: 'stdout' | 'stderr', text: string) => void;
  /** How long workers get after SIGTERM before SIGKILL (default 5000 ms). */
  killGraceMs?: number;
  /** Signals forwarded to the workers (default SIGINT and SIGTERM). */
  forwardSignals?: NodeJS.Signals[];
  /**
   * Number of workers, when `devices` is a single CPU device (what `initEngine` reports without
   * `workers`): starts CPU workers 0..count-1. Must match `devices.ids.length` otherwise.
   */
  count?: number;
  /** Large all-reduces through files in /dev/shm instead of the IPC pipe (default true). */
  sharedFiles?: boolean;
}

export interface WorkersResult {
  /** 0 when every worker exited 0, else the first non-zero exit code (e.g. 130 after Ctrl-C). */
  exitCode: number;
  /** Exit code per rank (a worker ended by a signal after an interrupt gets 128 + signal number). */
  exitCodes: number[];
  /** True when SIGINT/SIGTERM reached this process and was forwarded to the workers. */
  interrupted: boolean;
}

/** A worker failed; the run was stopped and the other workers were killed. */
export class WorkerFailedError extends KilnError {
  constructor(
    message: string,
    readonly rank: number,
    /** The worker's own exit code (`exitCode` is this error's process exit code). */
    readonly workerExitCode: number | null = null,
    readonly signal: NodeJS.Signals | null = null,
  ) {
    super(message);
  }
}


function defaultExecArgv(script: string): string[] {
  if (!/\.(c|m)?ts$/.test(script)) return [];
  // An absolute file URL, so the loader resolves whatever the worker's cwd is.
  return ['--import', pathToFileURL(createRequire(__filename).resolve('tsx')).href];
}

/**
 * Forks one Node process per device and relays their collectives (see `Communicator`).
 * Resolves when every worker exits 0 (or after a forwarded SIGINT/SIGTERM, with their exit codes);
 * rejects with `WorkerFailedError` naming the rank as soon as one worker dies, after killing the rest.
 */
export function launchWorkers(options: LaunchWorkersOptions): Promise<WorkersResult> {
  const { script, args = [], logger = silentLogger, killGraceMs = 5000 } = options;
  let devices = options.devices;
  if (options.count !== undefined && options.count !== devices.ids.length) {
    if (devices.kind !== 'cpu' || devices.ids.length !== 1 || !Number.isInteger(options.count) || options.count < 1) {
      return Promise.reject(
        new KilnError(`launchWorkers: count=${options.count} does not match ${devices.kind} devices [${devices.ids.join(',')}]`),
      );
    }
    devices = { kind: 'cpu', ids: Array.from({ length: options.count }, (_, i) => i) };
  }
  const forwardSignals = options.forwardSignals ?? ['SIGINT', 'SIGTERM'];
  const worldSize = devices.ids.length;
  if (worldSize < 1) return Promise.reject(new KilnError('launchWorkers: no devices to start workers on'));
  const hub = new CollectiveHub(worldSize);
  const sharedDir = worldSize > 1 && options.sharedFiles !== false ? createSharedDir() : undefined;
  const children: ChildProcess[] = [];
  const exitCodes: Array<number | undefined> = new Array(worldSize).fill(undefined);
  let interrupted = false;
  let settled = false;

  return new Promise<WorkersResult>((resolve, reject) => {
    const cleanup = (): void => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      if (sharedDir) removeSharedDir(sharedDir);
    };
    const killAll = (): void => {
      for (const child of children) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        child.kill('SIGTERM');
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }, killGraceMs).unref();
      }
    };
    const fail = (error: WorkerFailedError | KilnError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      logger.error(error.message);
      killAll();
      reject(error);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      interrupted = true;
      logger.warn(`received ${signal}: stopping ${worldSize} worker(s)`);
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const handlers = forwardSignals.map((signal) => [signal, () => onSignal(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);

    const describe = (rank: number): string =>
      devices.kind === 'gpu' ? `worker rank ${rank} (GPU ${devices.ids[rank]})` : `worker rank ${rank} (CPU)`;

    /** A rank that exited cleanly can never join a collective the others wait in: fail instead of hanging. */
    const failIfAbandoned = (): boolean => {
      if (interrupted) return false;
      for (const waiting of hub.waiting()) {
        const gone = waiting.missing.find((r) => exitCodes[r] !== undefined);
        if (gone === undefined) continue;
        const message = `${describe(gone)} exited (code ${exitCodes[gone]}) while other workers wait for it in ${waiting.op} #${waiting.seq}`;
        fail(new WorkerFailedError(message, gone, exitCodes[gone] ?? null));
        return true;
      }
      return false;
    };

    const start = (deviceId: number, rank: number): void => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.env,
        [ENV_RANK]: String(rank),
        [ENV_WORLD_SIZE]: String(worldSize),
        [ENV_DEVICE_KIND]: devices.kind,
        [ENV_DEVICE_ID]: String(deviceId),
        ...(sharedDir ? { [ENV_COMM_DIR]: sharedDir } : {}),
      };
      if (devices.kind === 'gpu') env.CUDA_VISIBLE_DEVICES = String(deviceId);
      const child = fork(script, args, {
        env,
        cwd: options.cwd,
        execArgv: options.execArgv ?? defaultExecArgv(script),
        serialization: 'advanced',
        silent: options.onOutput !== undefined,
      });
      children.push(child);
      if (options.onOutput) {
        const onOutput = options.onOutput;
        child.stdout?.on('data', (chunk: Buffer) => onOutput(rank, 'stdout', chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => onOutput(rank, 'stderr', chunk.toString()));
      }
      child.on('message', (message) => {
        if (settled || !isCollectiveRequest(message)) return;
        try {
          const replies = hub.submit({ ...message, rank });
          if (!replies) {
            failIfAbandoned();
            return;
          }
          replies.forEach((reply, r) => {
            const target = children[r];
            if (target.connected) target.send(reply);
          });
        } catch (error) {
          fail(new WorkerFailedError(`${describe(rank)}: ${(error as Error).message}`, rank));
        }
      });
      child.on('error', (error) => fail(new WorkerFailedError(`${describe(rank)} could not run: ${error.message}`, rank)));
      child.on('exit', (code, signal) => {
        exitCodes[rank] = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
        if (settled) return;
        if (!interrupted && (code !== 0 || signal !== null)) {
          const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
          fail(new WorkerFailedError(`${describe(rank)} ${how}; stopping the other workers`, rank, code, signal));
          return;
        }
        if (failIfAbandoned()) return;
        if (exitCodes.every((c) => c !== undefined)) {
          settled = true;
          cleanup();
          const codes = exitCodes as number[];
          resolve({ exitCode: codes.find((c) => c !== 0) ?? 0, exitCodes: codes, interrupted });
        }
      });
    };
    for (const [rank, deviceId] of devices.ids.entries()) {
      try {
        start(deviceId, rank);
      } catch (error) {
        fail(new WorkerFailedError(`${describe(rank)} could not start: ${(error as Error).message}`, rank));
        return;
      }
    }
    logger.debug(`started ${worldSize} worker(s): ${script} on ${devices.kind} [${devices.ids.join(',')}]`);
  });
}
