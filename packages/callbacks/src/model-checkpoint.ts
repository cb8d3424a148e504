import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z, type ComponentContext, type Logger } from '@kiln/core';
import { Callback, type CheckpointCallback, type EpochEnd, type TrainerView } from '@kiln/contracts';
import { parseFilenamePattern, renderFilename } from './filename-pattern';
import { describeMissing, isImprovement, monitorModeSchema } from './monitor';

const optionsSchema = z
  .object({
    /** Metric key to rank checkpoints by; default: the trainer's `monitor` (configured once, in `trainer:`). */
    monitor: z.string().min(1).optional(),
    /** Default: the trainer's `monitorMode` when `monitor` is the trainer's, else max. */
    mode: monitorModeSchema.optional(),
    /** Keep the k best checkpoints; 0 keeps none (only `last.ckpt`), -1 keeps all. */
    saveTopK: z.number().int().min(-1).default(1),
    /** Write `last.ckpt` at every epoch end (what `--resume` uses). */
    saveLast: z.boolean().default(true),
    /** Top-k file name pattern (see filename-pattern.ts); `.ckpt` is appended. */
    filename: z.string().min(1).default('epoch={epoch:03d}-{monitor}={value:.4f}'),
    /** Consider a top-k checkpoint every N epochs (`last.ckpt` is still written every epoch). */
    everyEpoch: z.number().int().positive().default(1),
    /** Folder under the run directory. */
    dirname: z.string().min(1).default('checkpoints'),
  })
  .strict();
export type ModelCheckpointOptions = z.input<typeof optionsSchema>;

export interface CheckpointRecord {
  /** File name inside the checkpoint folder. */
  file: string;
  score: number;
  epoch: number;
  step: number;
}

export const BEST_CHECKPOINT = 'best.ckpt';
export const LAST_CHECKPOINT = 'last.ckpt';

/**
 * Saves checkpoints under `<runDir>/checkpoints/`: the top-k by a monitored metric (files that fall
 * out of the top k are deleted), `best.ckpt` (the best so far) and `last.ckpt` (every epoch).
 * Acts when an epoch is complete (`onEpochEnd`: after its validation, if any). A `val/*` monitor is
 * only ranked on epochs that validated. NaN and infinite scores are never saved as top-k and never
 * become best. Only rank 0 writes files; every rank tracks the same state.
 */
export class ModelCheckpoint extends Callback implements CheckpointCallback {
  static readonly type = 'model_checkpoint';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Save top-k, best.ckpt and last.ckpt by a monitored metric';

  readonly options: z.output<typeof optionsSchema>;
  readonly writesCheckpoints = true;
  /** What checkpoints are ranked by: the option, else the trainer's monitor (known at fit start). */
  private monitor: string;
  private mode: 'min' | 'max';
  private loadedRanking: { monitor: string; mode: 'min' | 'max' } | undefined;
  private readonly pattern: ReturnType<typeof parseFilenamePattern>;
  private topK: CheckpointRecord[] = [];
  private best: CheckpointRecord | undefined;
  private lastFile: string | undefined;
  private dir: string | undefined;
  private warnedMissing = false;
  private resumeNote: string | undefined;

  constructor(options: ModelCheckpointOptions = {}, _context: ComponentContext = {}) {
    super();
    this.options = optionsSchema.parse(options);
    this.pattern = parseFilenamePattern(this.options.filename);
    this.monitor = this.options.monitor ?? 'val/accuracy';
    this.mode = this.options.mode ?? 'max';
  }

  /** Absolute path of the best top-k checkpoint (undefined until one was saved with a run dir). */
  get bestModelPath(): string | undefined {
    return this.best && this.dir ? join(this.dir, this.best.file) : undefined;
  }
  get bestModelScore(): number | undefined {
    return this.best?.score;
  }
  get lastModelPath(): string | undefined {
    return this.lastFile && this.dir ? join(this.dir, this.lastFile) : undefined;
  }
  /** The kept top-k checkpoints, best first. */
  get topKCheckpoints(): readonly CheckpointRecord[] {
    return this.topK;
  }

  override onFitStart(trainer: TrainerView): void {
    this.dir = trainer.runDir ? join(trainer.runDir, this.options.dirname) : undefined; // paths valid after a resume
    if (this.options.monitor === undefined) {
      this.monitor = trainer.monitor;
      this.mode = this.options.mode ?? trainer.monitorMode;
      if (this.loadedRanking) this.checkRanking(this.loadedRanking);
    }
    this.loadedRanking = undefined;
    if (this.resumeNote && trainer.isGlobalZero) trainer.logger.warn(this.resumeNote);
    this.resumeNote = undefined;
  }

  override async onEpochEnd(trainer: TrainerView, epoch: EpochEnd): Promise<void> {
    this.dir = trainer.runDir ? join(trainer.runDir, this.options.dirname) : undefined;
    const write = this.dir !== undefined && trainer.isGlobalZero;
    const log = trainer.isGlobalZero ? trainer.logger : undefined;
    const { saveTopK, everyEpoch } = this.options;
    const consider = saveTopK !== 0 && (epoch.epoch + 1) % everyEpoch === 0;
    const plan = consider ? this.planTopK(epoch, log) : undefined;

    // State is updated before writing so each checkpoint already records itself.
    if (this.options.saveLast) this.lastFile = LAST_CHECKPOINT;
    if (!write) return;
    const dir = this.dir!;
    if (plan) {
      await trainer.saveCheckpoint(join(dir, plan.file));
      if (plan.isBest) {
        await trainer.saveCheckpoint(join(dir, BEST_CHECKPOINT));
        log?.info(`model_checkpoint: new best ${this.monitor}=${plan.score} at epoch ${epoch.epoch}`);
      }
      for (const old of plan.removed) await rm(join(dir, old.file), { recursive: true, force: true });
    }
    if (this.options.saveLast) await trainer.saveCheckpoint(join(dir, LAST_CHECKPOINT));
  }

  /** Decides whether this epoch enters the top k and updates the in-memory state. */
  private planTopK(
    epoch: EpochEnd,
    log: Logger | undefined,
  ): { file: string; score: number; isBest: boolean; removed: CheckpointRecord[] } | undefined {
    const { monitor, mode } = this;
    const { saveTopK } = this.options;
    const value = epoch.metrics[monitor];
    if (value === undefined) {
      // An epoch that skipped validation (checkValEveryNEpoch) has no fresh val/* value: not an error.
      if (monitor.startsWith('val/') && !epoch.validated) return undefined;
      if (!this.warnedMissing) {
        log?.warn(`model_checkpoint: ${describeMissing(monitor, Object.keys(epoch.metrics))}; only last.ckpt is saved`);
        this.warnedMissing = true;
      }
      return undefined;
    }
    if (!Number.isFinite(value)) {
      log?.warn(`model_checkpoint: ${monitor}=${value} at epoch ${epoch.epoch}; not saved as a top-k checkpoint`);
      return undefined;
    }
    const full = saveTopK !== -1 && this.topK.length >= saveTopK;
    if (full && !isImprovement(value, this.topK[this.topK.length - 1]!.score, mode)) return undefined;

    const missing: string[] = [];
    const base = renderFilename(
      this.pattern,
      { epoch: epoch.epoch, step: epoch.step, monitor, value, metrics: epoch.metrics },
      missing,
    );
    if (missing.length) log?.warn(`model_checkpoint: filename placeholders not logged: ${missing.join(', ')}`);
    const file = base.endsWith('.ckpt') ? base : `${base}.ckpt`;
    const record: CheckpointRecord = { file, score: value, epoch: epoch.epoch, step: epoch.step };

    // Stable sort keeps the earlier checkpoint ahead on ties.
    const ranked = [...this.topK.filter((r) => r.file !== file), record].sort((a, b) =>
      mode === 'max' ? b.score - a.score : a.score - b.score,
    );
    const keep = saveTopK === -1 ? ranked.length : saveTopK;
    this.topK = ranked.slice(0, keep);
    const removed = ranked.slice(keep).filter((r) => r.file !== file);
    const isBest = this.best === undefined || isImprovement(value, this.best.score, mode);
    if (isBest) this.best = record;
    return { file, score: value, isBest, removed };
  }

  override stateDict(): Record<string, unknown> {
    return {
      monitor: this.monitor,
      mode: this.mode,
      best: this.best ? { ...this.best } : null,
      topK: this.topK.map((r) => ({ ...r })),
      lastFile: this.lastFile ?? null,
    };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    const parsed = stateSchema.parse(state);
    this.topK = parsed.topK;
    this.best = parsed.best ?? undefined;
    this.lastFile = parsed.lastFile ?? undefined;
    const loaded = { monitor: parsed.monitor, mode: parsed.mode };
    // Without an own `monitor`, the trainer's is known at fit start: compare then.
    if (this.options.monitor === undefined) this.loadedRanking = loaded;
    else this.checkRanking(loaded);
  }

  private checkRanking(loaded: { monitor: string; mode: 'min' | 'max' }): void {
    if (loaded.monitor === this.monitor && loaded.mode === this.mode) {
      this.resumeNote = undefined;
      return;
    }
    // A different metric's scores cannot be compared with the new one's; start ranking afresh.
    this.resumeNote =
      `model_checkpoint: the checkpoint ranked by ${loaded.monitor} (${loaded.mode}), now ${this.monitor} ` +
      `(${this.mode}); top-k ranking starts afresh`;
    this.topK = [];
    this.best = undefined;
  }
}

const recordSchema = z.object({ file: z.string(), score: z.number(), epoch: z.number(), step: z.number() });
const stateSchema = z.object({
  monitor: z.string(),
  mode: monitorModeSchema,
  best: recordSchema.nullable(),
  topK: z.array(recordSchema),
  lastFile: z.string().nullable(),
});
