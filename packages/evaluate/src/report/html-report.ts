import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import type { ClassificationReport } from '@kiln/metrics';
import { readPredictions, worstMisclassified, type PredictionRow } from './predictions-csv';
import type { ReportArgs } from './test-report';
import { thumbnailDataUri } from './thumbnail';

export interface HtmlReportArgs extends ReportArgs {
  /** The confusion-matrix PNG: its bytes, or the file `test` wrote (embedded either way). */
  confusionPng: Buffer | string;
  /** The predictions CSV text `test` wrote (path, prediction, confidence, label, …). */
  predictionsCsv: string;
  /** Folder relative image paths in the CSV are resolved against (default: the input CSV's). */
  imageRoot?: string;
  /** How many of the most confident mistakes to show (default 12). */
  worstCount?: number;
}

function esc(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
const pct = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(2) : '–');

const STYLE = `
body{font-family:system-ui,"DejaVu Sans",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f2f4f8}
.meta{color:#555;font-size:13px}.meta code{word-break:break-all}
.grid{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;width:150px;border:1px solid #ddd;border-radius:6px;padding:8px;text-align:center;font-size:12px}
figure img{width:96px;height:96px;object-fit:contain;image-rendering:pixelated;background:#eee}
figcaption .wrong{color:#c22;font-weight:600}figcaption .path{color:#777;word-break:break-all}
`;

interface Mistake extends PredictionRow {
  thumbnail?: string;
}

function metricsTable(metrics: Record<string, number>): string {
  const rows = Object.entries(metrics).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${pct(v)}%</td></tr>`);
  return `<table id="metrics"><thead><tr><th>metric</th><th>value</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function perClassTable(report: ClassificationReport): string {
  const row = (name: string, r: { precision: number; recall: number; f1: number; support: number }, tag = 'td') =>
    `<tr><${tag}>${esc(name)}</${tag}><td>${pct(r.precision)}</td><td>${pct(r.recall)}</td><td>${pct(r.f1)}</td><td>${r.support}</td></tr>`;
  const body = report.classes.map((c) => row(c.class, c));
  const foot = [row('macro avg', report.macro, 'th'), row('weighted avg', report.weighted, 'th')];
  return `<table id="per-class"><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>${body.join('')}</tbody><tfoot>${foot.join('')}</tfoot></table>`;
}

function confusionTable(confusion: number[][], classes: string[]): string {
  const head = `<tr><th>true \\ predicted</th>${classes.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const rows = confusion.map((r, i) => `<tr><th>${esc(classes[i])}</th>${r.map((v) => `<td>${v}</td>`).join('')}</tr>`);
  return `<table id="confusion-table"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The file and its folder (`cross/00002.png`): datasets often reuse file names per class. */
function shortPath(path: string): string {
  return path.split(/[\\/]/).slice(-2).join('/');
}

function mistakesGrid(mistakes: Mistake[]): string {
  if (!mistakes.length) return '<p id="no-mistakes">No misclassified images.</p>';
  const cards = mistakes.map((m) => {
    const img = m.thumbnail ? `<img class="thumb" src="${m.thumbnail}" alt="${esc(basename(m.path))}">` : `<div class="thumb missing">image not readable</div>`;
    return `<figure class="mistake">${img}<figcaption>true <b>${esc(m.label ?? '')}</b><br>predicted <span class="wrong">${esc(m.prediction)}</span> (${pct(m.confidence)}%)<br><span class="path" title="${esc(m.path)}">row ${m.row}: ${esc(shortPath(m.path))}</span></figcaption></figure>`;
  });
  return `<div class="grid" id="mistakes">${cards.join('')}</div>`;
}

/**
 * `<out>.report.html`: what `<out>.report.md` holds — metrics, per-class table, confusion
 * matrix (image and numbers) — plus the most confident wrong predictions as thumbnails.
 * Self-contained: every image is a data URI and a CSP forbids any fetch, so the file can be
 * mailed or archived and opens offline.
 */
export async function htmlReport(args: HtmlReportArgs): Promise<string> {
  const { report, classes, confusion } = args;
  const png = typeof args.confusionPng === 'string' ? await readFile(args.confusionPng) : args.confusionPng;
  const root = args.imageRoot ?? resolve(args.input, '..');
  const worst = worstMisclassified(readPredictions(args.predictionsCsv), args.worstCount ?? 12);
  const mistakes: Mistake[] = [];
  for (const m of worst) mistakes.push({ ...m, thumbnail: await thumbnailDataUri(isAbsolute(m.path) ? m.path : resolve(root, m.path)) });
  const wrong = confusion.reduce((s, r, i) => s + r.reduce((a, v, j) => a + (i === j ? 0 : v), 0), 0);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    `<title>Kiln test report — ${esc(basename(args.input))}</title><style>${STYLE}</style></head><body>`,
    '<h1>Test report</h1>',
    `<p class="meta">input <code>${esc(args.input)}</code><br>checkpoint <code>${esc(args.checkpoint)}</code><br>scored rows: ${report.total}, wrong: ${wrong}${args.badRows ? `, unreadable rows: ${args.badRows} (listed with an error in the CSV)` : ''}</p>`,
    '<h2>Metrics</h2>',
    metricsTable(args.metrics),
    '<h2>Per class</h2>',
    perClassTable(report),
    '<h2>Confusion matrix</h2>',
    `<img id="confusion" alt="confusion matrix (rows: true, columns: predicted)" src="data:image/png;base64,${png.toString('base64')}">`,
    confusionTable(confusion, classes),
    `<h2>Most confident mistakes (${mistakes.length} of ${wrong})</h2>`,
    mistakesGrid(mistakes),
    '</body></html>',
    '',
  ].join('\n');
}
