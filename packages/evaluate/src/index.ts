// @kiln/evaluate: a trained checkpoint applied to images and CSVs, with the reports — what
// `kiln predict`, `kiln test` and `kiln validate` run, usable without the CLI.
export { loadPredictor, topK } from './predictor';
export type { Predictor, LoadPredictorOptions } from './predictor';
export { parseQuantizeFlags, trainingBatches, PREDICTOR_QUANTIZE_MODES } from './int8-options';
export type { PredictorQuantizeOptions } from './int8-options';
export { resolveCheckpoint, runDirOf, checkClassesMatch } from './checkpoint-path';
export { expandImageInputs } from './image-inputs';
export { evaluateCsv } from './evaluate-csv';
export type { EvaluateCsvResult } from './evaluate-csv';
export { writeSplitCsv } from './split-csv';
export type { EvalSplit } from './split-csv';
export { writeTestReports } from './write-reports';
export { compareToBaseline, flattenMetrics, readBaseline } from './report/baseline';
export type { Regression } from './report/baseline';
export { confusionPng, confusionSvg } from './report/confusion-png';
export { escapeFormula, toCsv } from './report/csv-writer';
export type { Cell } from './report/csv-writer';
export { htmlReport } from './report/html-report';
export type { HtmlReportArgs } from './report/html-report';
export { parseCsv, readPredictions, worstMisclassified } from './report/predictions-csv';
export type { PredictionRow } from './report/predictions-csv';
export { headlineMetrics, markdownReport } from './report/test-report';
export type { ReportArgs } from './report/test-report';
