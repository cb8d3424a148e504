import * as tf from '@tensorflow/tfjs';
import { Callback, type TrainerView } from '@kiln/contracts';
import { createRegistries, createRunContainer, Logger, memorySink, restoreMathRandom, TOKENS, token, z, type ComponentContext, type Registries } from '@kiln/core';
import { register as registerLosses } from '@kiln/losses';
import { register as registerMetrics } from '@kiln/metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { register } from '../src/register';
import { assembleRun, trainFromConfig } from '../src/train-from-config';
import { Trainer } from '../src/trainer';
import { FakeDataModule, tinyModel } from './fake-data';
import { removeTempDirs, tempDir } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());
afterAll(() => removeTempDirs());

const Marker = token<string>('test.marker');

/** A user's own callback: asks the container for the run's logger, run dir and a custom service. */
class Probe extends Callback {
  static readonly type = 'probe';
  static readonly optionsSchema = z.object({}).strict();
  static readonly inject = { logger: TOKENS.logger, runDir: TOKENS.runDir, marker: Marker };
  static readonly built: Probe[] = [];
  viewLogger: unknown;
  constructor(
    _options: Record<string, never>,
    readonly services: ComponentContext = {},
  ) {
    super();
    Probe.built.push(this);
  }
  override onFitStart(t: TrainerView): void {
    this.viewLogger = t.logger;
  }
}

class FakeDataset extends FakeDataModule {
  static readonly type = 'fake_blobs';
  static readonly optionsSchema = z.object({}).strict();
  readonly services: ComponentContext;
  constructor(_o: Record<string, never>, services: ComponentContext = {}) {
    super({ batchSize: 8 });
    this.services = services;
  }
}

class TinyDense {
  static readonly type = 'tiny_dense';
  static readonly optionsSchema = z.object({ numClasses: z.number().int(), inputShape: z.tuple([z.number(), z.number(), z.number()]) }).strict();
  readonly net: tf.LayersModel;
  constructor(o: { numClasses: number; inputShape: [number, number, number] }) {
    this.net = tinyModel(o).net;
  }
}

function registries(): Registries {
  return createRegistries(register, registerLosses, registerMetrics, (r) => {
    r.datasets.register(FakeDataset, 'user');
    r.models.register(TinyDense, 'user');
    r.callbacks.register(Probe, 'user');
  });
}

const config = () => ({
  seed: 1,
  data: { _target_: 'fake_blobs' },
  model: { _target_: 'tiny_dense' },
  loss: { _target_: 'cross_entropy' },
  optimizer: { _target_: 'sgd', lr: 0.1 },
  trainer: { _target_: 'trainer', maxEpochs: 1, logEveryNSteps: 1000 },
  callbacks: { probe: { _target_: 'probe' } },
});

describe('runs are assembled by the run container', () => {
  it("a user-registered component receives the same logger and run dir instances as the trainer", async () => {
    const logger = new Logger({ sinks: [memorySink()] });
    const runDir = tempDir();
    const run = createRunContainer({ config: config(), registries: registries(), logger, runDir });
    run.register(Marker, 'run-1');
    const parts = await assembleRun(run);
    const probe = parts.callbacks.probe as Probe;
    expect(probe).toBeInstanceOf(Probe);
    expect(parts.trainer).toBeInstanceOf(Trainer);
    expect(parts.trainer.logger).toBe(logger);
    expect(probe.services.logger).toBe(parts.trainer.logger);
    expect(probe.services.runDir).toBe(parts.trainer.runDir);
    expect(probe.services.runDir).toBe(runDir);
    expect(probe.services.marker).toBe('run-1');
    // The data module got the same services without asking (no `static inject`: every service).
    const data = parts.data as FakeDataset;
    expect(data.services.logger).toBe(logger);
    expect(data.services.rng).toBe(run.get(TOKENS.rng));
    run.dispose();
  });

  it('trainFromConfig builds through a fresh child container each run: nothing leaks into the next run', async () => {
    Probe.built.length = 0;
    const first = new Logger({ sinks: [memorySink()] });
    const second = new Logger({ sinks: [memorySink()] });
    const dir1 = tempDir();
    await trainFromConfig({ config: config(), registries: registries(), logger: first, runDir: dir1 });
    await trainFromConfig({ config: config(), registries: registries(), logger: second });
    expect(Probe.built).toHaveLength(2);
    const [a, b] = Probe.built;
    expect(a.services.logger).toBe(first);
    expect(a.viewLogger).toBe(first);
    expect(a.services.runDir).toBe(dir1);
    // The second run has no run dir and its own logger: nothing of run 1 is left anywhere.
    expect(b.services.logger).toBe(second);
    expect(b.viewLogger).toBe(second);
    expect('runDir' in b.services).toBe(false);
    expect('marker' in b.services).toBe(false);
    const fresh = createRunContainer({ config: {}, registries: registries(), logger: second });
    expect(fresh.has(TOKENS.runDir)).toBe(false);
    expect(fresh.has(Marker)).toBe(false);
  });

  it('the trainer node is built like any component: unknown _target_ is a ConfigError', async () => {
    const bad = { ...config(), trainer: { _target_: 'trainr' } };
    await expect(trainFromConfig({ config: bad, registries: registries() })).rejects.toThrow(/Unknown trainers _target_ 'trainr'.*Did you mean 'trainer'/);
  });
});
