import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { ComponentBuilder, ConfigError, createRegistries, z, type ComponentContext } from '@kiln/core';
import { Callback, callHook, type TrainerView } from '@kiln/contracts';
import { CsvLogger, LrMonitor, ModelCheckpoint, ProgressBar, register, TensorBoardLogger } from '../src/index';
import { readEventFile } from '../src/__fixtures__/event-reader';
import { fakeTrainer, tempRunDir, withEpochEnds, type FakeTrainer } from '../src/__fixtures__/fake-trainer';

const configDir = resolve(__dirname, '../../../configs/callbacks');
const loadGroup = (name: string) => parse(readFileSync(join(configDir, `${name}.yaml`), 'utf8')) as Record<string, unknown>;

/** Builds a `callbacks:` map in map order, as the trainer does (hooks driven by hand get `onEpochEnd` like the loop's). */
function buildCallbacks(builder: ComponentBuilder, node: Record<string, unknown>): Callback[] {
  return Object.entries(node).map(([name, child]) => withEpochEnds(builder.build<Callback>('callbacks', child, `callbacks.${name}`)));
}

/** The README's user-defined callback. */
const countOptions = z.object({ every: z.number().int().positive().default(1) }).strict();
class BatchCounter extends Callback {
  static readonly type = 'batch_counter';
  static readonly optionsSchema = countOptions;
  readonly options: z.output<typeof countOptions>;
  seen = 0;
  constructor(options: z.input<typeof countOptions> = {}, _context: ComponentContext = {}) {
    super();
    this.options = countOptions.parse(options);
  }
  override onTrainBatchEnd(_t: TrainerView): void {
    this.seen += 1;
  }
  override stateDict() {
    return { seen: this.seen };
  }
  override loadStateDict(state: Record<string, unknown>) {
    this.seen = Number(state.seen);
  }
}

async function fit(callbacks: Callback[], t: FakeTrainer, valAccuracy: number[]) {
  await callHook(callbacks, 'onFitStart', t);
  for (const acc of valAccuracy) {
    await callHook(callbacks, 'onTrainEpochStart', t);
    for (let i = 0; i < t.trainBatchesPerEpoch; i++) {
      t.globalStep += 1;
      await callHook(callbacks, 'onTrainBatchEnd', t, { batchIdx: i, batchSize: 8, loss: 1 / t.globalStep });
    }
    t.metrics = { ...t.metrics, 'train/loss': 0.5, lr: t.learningRate };
    await callHook(callbacks, 'onTrainEpochEnd', t, { 'train/loss': 0.5 });
    await callHook(callbacks, 'onValidationStart', t);
    t.metrics = { ...t.metrics, 'val/loss': 1 - acc, 'val/accuracy': acc };
    await callHook(callbacks, 'onValidationEnd', t, { 'val/loss': 1 - acc, 'val/accuracy': acc });
    if (t.shouldStop) break;
    t.epoch += 1;
  }
  await callHook(callbacks, 'onFitEnd', t);
}

describe('callbacks from configs/callbacks', () => {
  it('registers every built-in under kind callbacks', () => {
    const registries = createRegistries(register);
    expect(registries.callbacks.names()).toEqual([
      'csv_logger',
      'early_stopping',
      'lr_monitor',
      'model_checkpoint',
      'progress_bar',
      'tensorboard',
      'terminate_on_nan',
    ]);
  });

  it('builds default.yaml in config order and a short fit writes checkpoints, metrics.csv and TensorBoard events', async () => {
    const builder = new ComponentBuilder(createRegistries(register));
    const callbacks = buildCallbacks(builder, loadGroup('default'));
    expect(callbacks.map((c) => c.constructor)).toEqual([ModelCheckpoint, LrMonitor, ProgressBar, CsvLogger, TensorBoardLogger]);

    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir, trainBatchesPerEpoch: 5, maxEpochs: 3 });
    const out: string[] = [];
    // The progress bar writes to stdout: capture it to check it and keep the test output clean.
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    try {
      await fit(callbacks, t, [0.5, 0.75, 0.6]);
    } finally {
      spy.mockRestore();
    }
    expect(out.some((line) => line.startsWith('Epoch 3/3 done'))).toBe(true);
    expect(readdirSync(join(runDir, 'checkpoints')).sort()).toEqual([
      'best.ckpt',
      'epoch=001-val_accuracy=0.7500.ckpt',
      'last.ckpt',
    ]);
    const csv = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('epoch,step,lr,train/loss,val/accuracy,val/loss');
    expect(csv).toHaveLength(4);
    const [eventFile] = readdirSync(join(runDir, 'tensorboard'));
    const tags = new Set(readEventFile(join(runDir, 'tensorboard', eventFile!)).flatMap((e) => e.values.map((v) => v.tag)));
    expect([...tags].sort()).toEqual(['epoch', 'lr', 'train/loss', 'train/loss_epoch', 'val/accuracy', 'val/loss']);
  });

  it('builds minimal.yaml and none.yaml', () => {
    const builder = new ComponentBuilder(createRegistries(register));
    expect(buildCallbacks(builder, loadGroup('minimal')).map((c) => c.constructor)).toEqual([ModelCheckpoint, ProgressBar]);
    expect(buildCallbacks(builder, loadGroup('none'))).toEqual([]);
  });

  it('early_stopping from config stops the fit and callbacks run in config order', async () => {
    const builder = new ComponentBuilder(createRegistries(register, (r) => r.callbacks.register(BatchCounter, 'my-project')));
    const node = {
      early_stopping: { _target_: 'early_stopping', monitor: 'val/accuracy', mode: 'max', patience: 1 },
      counter: { _target_: 'batch_counter' },
    };
    const callbacks = buildCallbacks(builder, node);
    const t = fakeTrainer({ trainBatchesPerEpoch: 2 });
    await fit(callbacks, t, [0.5, 0.4, 0.9]);
    expect(t.shouldStop).toBe(true);
    expect(t.epoch).toBe(1);
    expect((callbacks[1] as BatchCounter).seen).toBe(4);
  });

  it('reports a misspelt option with the config path', () => {
    const builder = new ComponentBuilder(createRegistries(register));
    const build = () => buildCallbacks(builder, { ckpt: { _target_: 'model_checkpoint', saveTopk: 3 } });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/saveTopK/);
  });
});
