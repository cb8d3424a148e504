// Public API of @kiln/metrics (named exports only).
export type { ScoresInput, TargetsInput } from './inputs';
export { Accuracy } from './accuracy';
export type { AccuracyOptions } from './accuracy';
export { TopKAccuracy } from './top-k-accuracy';
export type { TopKAccuracyOptions } from './top-k-accuracy';
export { Precision, Recall, F1Score } from './classification-scores';
export type { ClassificationScoreOptions } from './classification-scores';
export { ConfusionMatrix } from './confusion-matrix';
export type { ConfusionMatrixOptions } from './confusion-matrix';
export { Auroc } from './auroc';
export type { AurocOptions } from './auroc';
export { classificationReport, formatClassificationReport } from './classification-report';
export type { ClassificationReport, ClassReportRow } from './classification-report';
export { register, METRIC_CLASSES } from './register';
