import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z, type ComponentContext } from '@kiln/core';
// The callback contract is @kiln/contracts'; the trainer only calls it.
import { Callback, type TrainerView } from '@kiln/contracts';
import { EXPORT_FORMATS, exportModel } from './export-model';

const optionsSchema = z
  .object({
    /** Formats to write, each into `<dir>/<format>`. */
    formats: z.array(z.enum(EXPORT_FORMATS)).min(1).default(['tfjs', 'onnx']),
    /** Output folder, relative to the run folder unless absolute. */
    dir: z.string().min(1).default('export'),
    /** Which checkpoint to export: `best` (falls back to `last`) or `last`. */
    checkpoint: z.enum(['best', 'last']).default('best'),
    output: z.enum(['probabilities', 'logits']).default('probabilities'),
    /** Fail the run when an export fails (default: log an ERROR; the checkpoints are kept either way). */
    failOnError: z.boolean().default(false),
  })
  .strict();
export type ExportCallbackOptions = z.input<typeof optionsSchema>;

/**
 * `callbacks.export`: at the end of training, exports the run's best (or last) checkpoint
 * as tfjs and/or ONNX into the run folder, like `kiln export`. Rank 0 only; does nothing
 * without a run folder (tests, fastDevRun). Put it after `model_checkpoint` in the list.
 */
export class ExportCallback extends Callback {
  static readonly type = 'export';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Export the best checkpoint as tfjs / ONNX when training ends';

  readonly options: z.output<typeof optionsSchema>;
  /** Folders written by the last `onFitEnd`. */
  written: string[] = [];

  constructor(options: ExportCallbackOptions = {}, _context: ComponentContext = {}) {
    super();
    this.options = optionsSchema.parse(options);
  }

  override async onFitEnd(trainer: TrainerView): Promise<void> {
    if (!trainer.runDir || !trainer.isGlobalZero) return;
    const o = this.options;
    const ckptDir = join(trainer.runDir, 'checkpoints');
    const names = o.checkpoint === 'best' ? ['best.ckpt', 'last.ckpt'] : ['last.ckpt'];
    let ckpt = names.map((n) => join(ckptDir, n)).find((p) => existsSync(p));
    if (!ckpt) {
      // No model_checkpoint callback: export the final weights.
      ckpt = join(ckptDir, 'final.ckpt');
      await trainer.saveCheckpoint(ckpt);
    }
    const root = isAbsolute(o.dir) ? o.dir : join(trainer.runDir, o.dir);
    this.written = [];
    for (const format of o.formats) {
      try {
        const result = await exportModel({ ckpt, format, out: join(root, format), output: o.output });
        this.written.push(result.dir);
        trainer.logger.info(`export: ${format} → ${result.dir} (${result.files.join(', ')})`);
      } catch (err) {
        if (o.failOnError) throw err;
        trainer.logger.error(`export: ${format} export of ${ckpt} failed: ${(err as Error).message} (the checkpoint is kept; retry with kiln export)`);
      }
    }
  }
}
