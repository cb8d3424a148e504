import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { quoteCsv, writeFileAtomicSync, z, type ComponentContext } from '@kiln/core';
import { Callback, type EpochEnd, type TrainBatchEnd, type TrainerView } from '@kiln/contracts';

const optionsSchema = z
  .object({
    /** File under the run directory. */
    filename: z.string().min(1).default('metrics.csv'),
    /** Also write a row (`train/loss_step`, `lr`) every N optimizer steps; 0 = epoch rows only. */
    logEveryNSteps: z.number().int().min(0).default(0),
  })
  .strict();
export type CsvLoggerOptions = z.input<typeof optionsSchema>;

type Row = Map<string, number>;
const FIXED = ['epoch', 'step'];

/**
 * Writes `<runDir>/metrics.csv`: columns `epoch,step` then the metric keys sorted. One row per
 * finished epoch (`lr`, `train/*`, and `val/*` when it validated) and optionally one every
 * `logEveryNSteps` steps.
 * Rows are appended; when a new metric key appears the whole file is rewritten atomically with the
 * wider header. On resume the file continues: rows past the resumed step (work about to be redone)
 * are dropped. Rank 0 only; nothing is written without a run dir.
 */
export class CsvLogger extends Callback {
  static readonly type = 'csv_logger';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Metrics per epoch (and optionally per step) to metrics.csv';

  readonly options: z.output<typeof optionsSchema>;
  private path: string | undefined;
  private columns: string[] = [];
  private rows: Row[] = [];

  constructor(options: CsvLoggerOptions = {}, _context: ComponentContext = {}) {
    super();
    this.options = optionsSchema.parse(options);
  }

  override onFitStart(trainer: TrainerView): void {
    if (!trainer.runDir || !trainer.isGlobalZero) return;
    this.path = join(trainer.runDir, this.options.filename);
    this.columns = [];
    this.rows = [];
    if (!existsSync(this.path)) return;
    const { columns, rows } = readMetricsCsv(this.path);
    const kept = rows.filter((r) => (r.get('step') ?? 0) <= trainer.globalStep);
    this.columns = columns.filter((c) => !FIXED.includes(c));
    this.rows = kept;
    if (kept.length !== rows.length) {
      trainer.logger.info(`csv_logger: dropped ${rows.length - kept.length} rows after step ${trainer.globalStep} from ${this.path} (resumed run)`);
      this.rewrite();
    }
  }

  override onTrainBatchEnd(trainer: TrainerView, batch: TrainBatchEnd): void {
    const n = this.options.logEveryNSteps;
    if (n === 0 || trainer.globalStep % n !== 0) return;
    this.writeRow(trainer.epoch, trainer.globalStep, { 'train/loss_step': batch.loss, lr: trainer.learningRate });
  }

  override onEpochEnd(_trainer: TrainerView, epoch: EpochEnd): void {
    this.writeRow(epoch.epoch, epoch.step, epoch.metrics);
  }

  private writeRow(epoch: number, step: number, metrics: Record<string, number>): void {
    if (!this.path) return;
    const row: Row = new Map([
      ['epoch', epoch],
      ['step', step],
    ]);
    for (const [k, v] of Object.entries(metrics)) if (!FIXED.includes(k)) row.set(k, v);
    this.rows.push(row);
    const added = [...row.keys()].filter((k) => !FIXED.includes(k) && !this.columns.includes(k));
    if (added.length || !existsSync(this.path)) {
      this.columns = [...this.columns, ...added].sort();
      this.rewrite();
    } else {
      appendFileSync(this.path, this.line(row)); // one write of a whole line
    }
  }

  private rewrite(): void {
    const header = [...FIXED, ...this.columns].map(quoteCsv).join(',') + '\n';
    writeFileAtomicSync(this.path!, header + this.rows.map((r) => this.line(r)).join(''));
  }

  private line(row: Row): string {
    return [...FIXED, ...this.columns].map((c) => (row.has(c) ? String(row.get(c)) : '')).join(',') + '\n';
  }
}

/** Reads a metrics CSV back: the header and each row's non-empty cells as numbers. */
export function readMetricsCsv(path: string): { columns: string[]; rows: Map<string, number>[] } {
  const records = parse(readFileSync(path, 'utf8'), { relaxColumnCount: true, skipEmptyLines: true }) as string[][];
  const [columns = [], ...body] = records;
  const rows = body.map((cells) => {
    const row = new Map<string, number>();
    cells.forEach((cell, i) => {
      if (cell !== '' && columns[i] !== undefined) row.set(columns[i]!, Number(cell));
    });
    return row;
  });
  return { columns, rows };
}
