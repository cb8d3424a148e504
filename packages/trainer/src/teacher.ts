import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@kiln/contracts/tf';
import { ConfigError, type Logger } from '@kiln/core';
import { applyPretrained } from '@kiln/models';
import type { WeightEma } from './ema';
import { restoreModelFromCheckpoint } from './restore-model';

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
/** Weight files @kiln/weights reads (a `.ckpt` is a Kiln checkpoint, not one of these). */
const isWeightsFile = (p: string) => /\.(safetensors|pth|pt|onnx)$/i.test(p);

/** A `.ckpt` file, or a run folder's checkpoints/best.ckpt (else last.ckpt). */
export function teacherCheckpointFile(spec: string): string {
  if (isFile(spec)) return resolve(spec);
  for (const name of ['best.ckpt', 'last.ckpt']) {
    const candidate = join(spec, 'checkpoints', name);
    if (isFile(candidate)) return resolve(candidate);
  }
  throw new ConfigError(
    `loss.teacher: no checkpoint at '${spec}' (give a .ckpt file, a run folder with checkpoints/best.ckpt or last.ckpt, 'ema' or 'best')`,
    { path: 'loss.teacher' },
  );
}

/**
 * The frozen teacher of a distillation loss. Its network is a separate model: its variables
 * are not the student's, so they are never in the optimizer and get no gradient; it runs in
 * eval mode (`training: false`) and the trainer calls it outside the gradient tape. Nothing
 * is ever written to its checkpoint.
 *
 * - a run folder / `.ckpt`: loaded once (its EMA weights when that run used EMA);
 * - a weights file (`.safetensors`/`.pth`/`.pt`/`.onnx`, see `model.pretrained`): the student's
 *   architecture with those weights (every key must fit, head included);
 * - `ema`: a copy of the student's topology whose weights are the student's EMA shadows,
 *   re-pointed before each use (no copy: they share the shadows' storage);
 * - `best`: the student's best checkpoint so far, reloaded at an epoch start when the file
 *   changed; until one exists there is no teacher and the loss is its hard-label term.
 */
export class Teacher {
  private net: tf.LayersModel | undefined;
  private loadedKey: string | undefined;

  private constructor(
    readonly spec: string,
    private readonly ema: WeightEma | undefined,
    private readonly bestPath: () => string | undefined,
    private readonly logger: Logger | undefined,
  ) {}

  static async create(
    spec: string,
    student: tf.LayersModel,
    options: { ema?: WeightEma; bestPath: () => string | undefined; logger?: Logger },
  ): Promise<Teacher> {
    const teacher = new Teacher(spec, options.ema, options.bestPath, options.logger);
    if (spec === 'ema') {
      if (!options.ema) throw new ConfigError("loss.teacher: 'ema' needs trainer.ema (e.g. trainer.ema.decay=0.999)", { path: 'loss.teacher' });
      teacher.net = await tf.models.modelFromJSON({ modelTopology: student.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
    } else if (isWeightsFile(spec)) {
      // A weights file (.safetensors/.pth/.onnx, Kiln or PyTorch names): the student's architecture with those weights.
      teacher.net = await tf.models.modelFromJSON({ modelTopology: student.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
      try {
        applyPretrained(teacher.net, undefined, { pretrained: spec, strict: true, reinitHead: false }, { logger: options.logger });
      } catch (err) {
        teacher.net.dispose();
        throw new ConfigError(`loss.teacher: ${(err as Error).message.replace(/^model\.pretrained: /, '')}`, { path: 'loss.teacher' }, { cause: err });
      }
      options.logger?.info(`distillation teacher: ${resolve(spec)} (the student's architecture, frozen)`);
    } else if (spec !== 'best') {
      const file = teacherCheckpointFile(spec);
      teacher.net = (await restoreModelFromCheckpoint(file)).net;
      teacher.checkShape(student, file);
      options.logger?.info(`distillation teacher: ${file} (${teacher.net.countParams().toLocaleString('en-US')} parameters, frozen)`);
    }
    return teacher;
  }

  /** The network the logits come from (undefined: `best` before a best checkpoint exists). */
  get network(): tf.LayersModel | undefined {
    return this.net;
  }

  /** At an epoch start: `best` loads the best checkpoint when it changed since the last load. */
  async beforeEpoch(student: tf.LayersModel): Promise<void> {
    if (this.spec !== 'best') return;
    const path = this.bestPath();
    if (!path || !isFile(path)) return;
    const key = `${path}:${statSync(path).mtimeMs}:${statSync(path).size}`;
    if (key === this.loadedKey) return;
    const restored = await restoreModelFromCheckpoint(path);
    this.net?.dispose();
    this.net = restored.net;
    this.loadedKey = key;
    this.checkShape(student, path);
    this.logger?.info(`self-distillation teacher: ${path} (epoch ${restored.checkpoint.epoch ?? '?'})`);
  }

  /** Teacher logits for `images` (eval mode); call outside the gradient function. */
  logits(images: tf.Tensor4D): tf.Tensor2D | undefined {
    const net = this.net;
    if (!net) return undefined;
    return tf.tidy(() => {
      if (this.spec === 'ema') net.weights.forEach((w, i) => w.write(this.ema!.shadowAt(i)));
      return net.apply(images, { training: false }) as tf.Tensor2D;
    });
  }

  private checkShape(student: tf.LayersModel, file: string): void {
    const s = student.outputs[0]?.shape;
    const t = this.net!.outputs[0]?.shape;
    if (s?.[s.length - 1] !== t?.[t.length - 1]) {
      throw new ConfigError(`loss.teacher: ${file} gives ${t?.[t.length - 1]} classes, the student ${s?.[s.length - 1]}`, { path: 'loss.teacher' });
    }
  }

  dispose(): void {
    this.net?.dispose();
    this.net = undefined;
  }
}
