import type { CalibrationResult } from './calibrate';
import { compareTop1, type Agreement, type Scorer } from './evaluate';
import type { BatchSource } from './calibrate';
import type { Fp32Op } from './fp32-ops';

export const QUANT_REPORT_FILE = 'model.quant.json';

/** What `<out>/model.quant.json` holds (and `kiln export` prints). */
export interface QuantReport {
  format: 'onnx' | 'tfjs';
  quantize: string;
  size: { fp32Bytes: number; quantizedBytes: number; ratio: number };
  /** Layers/nodes whose weights are stored quantized. */
  quantizedWeights: number;
  /** ONNX: activations with calibrated int8 ranges; convs that absorbed a BatchNorm; what stays float and why. */
  activations?: number;
  /** ONNX: the int8 weight range used. */
  weightRange?: string;
  foldedBatchNorms?: string[];
  fp32?: Fp32Op[];
  calibration?: Omit<CalibrationResult, 'ranges'>;
  /** Quantized vs fp32 on the evaluation split (absent when no split was given). */
  evaluation?: Agreement & { split: string };
}

export interface ReportInput extends Omit<QuantReport, 'size' | 'evaluation'> {
  fp32Bytes: number;
  quantizedBytes: number;
  fp32Scorer: Scorer;
  quantizedScorer: Scorer;
  evaluation?: BatchSource;
  evaluationSplit?: string;
}

export async function buildQuantReport(input: ReportInput): Promise<QuantReport> {
  const { fp32Bytes, quantizedBytes, fp32Scorer, quantizedScorer, evaluation, evaluationSplit, ...rest } = input;
  const report: QuantReport = { ...rest, size: { fp32Bytes, quantizedBytes, ratio: quantizedBytes / fp32Bytes } };
  if (evaluation) {
    const agreement = await compareTop1(fp32Scorer, quantizedScorer, evaluation);
    if (agreement.images > 0) report.evaluation = { split: evaluationSplit ?? 'evaluation', ...agreement };
  }
  return report;
}

const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(100 * v).toFixed(2)}%`);
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(3)} MiB`;

/** The report as the lines `kiln export` prints. */
export function formatQuantReport(r: QuantReport): string[] {
  const lines = [`quantization ${r.format} ${r.quantize}: size ${mib(r.size.fp32Bytes)} fp32 → ${mib(r.size.quantizedBytes)} (${r.size.ratio.toFixed(3)}×), ${r.quantizedWeights} quantized weights${r.weightRange ? ` in ${r.weightRange}` : ''}`];
  if (r.calibration) lines.push(`  calibration: ${r.calibration.method} on ${r.calibration.batches} training batches (${r.calibration.images} images), ${r.activations ?? 0} activations int8`);
  if (r.foldedBatchNorms?.length) lines.push(`  BatchNorm folded into ${r.foldedBatchNorms.length} convs`);
  for (const f of r.fp32 ?? []) lines.push(`  fp32: ${f.op} ×${f.count} (${f.why})`);
  const e = r.evaluation;
  if (e) {
    const acc = e.accuracyFp32 === undefined ? '' : `, accuracy ${pct(e.accuracyFp32)} fp32 → ${pct(e.accuracyQuantized)} quantized (drop ${e.accuracyDropPoints!.toFixed(2)} points)`;
    lines.push(`  ${e.split} split (${e.images} images): top-1 agreement with fp32 ${pct(e.top1Agreement)}${acc}`);
  } else lines.push('  no evaluation split: agreement and accuracy not measured');
  return lines;
}
