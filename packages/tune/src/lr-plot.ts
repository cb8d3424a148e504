import sharp from 'sharp';
import { formatLr, type LrPoint } from './lr-curve';

const W = 720;
const H = 440;
const M = { left: 70, right: 20, top: 36, bottom: 56 };

function polyline(points: Array<[number, number]>, stroke: string, width: number): string {
  return `<polyline fill="none" stroke="${stroke}" stroke-width="${width}" points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;
}

/**
 * Loss against LR (log axis) as SVG: the raw batch losses in grey, the smoothed curve in blue,
 * the suggested LR as a red marker. The top of the y range is the smoothed curve's, so a
 * diverging raw tail does not flatten the interesting part.
 */
export function lrPlotSvg(points: readonly LrPoint[], suggestion?: number): string {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">learning-rate range test</text>`,
  ];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  if (points.length >= 2) {
    const lx = points.map((p) => Math.log10(p.lr));
    const [x0, x1] = [Math.min(...lx), Math.max(...lx)];
    const ys = points.map((p) => p.smoothed);
    let [y0, y1] = [Math.min(...ys, ...points.map((p) => p.loss)), Math.max(...ys)];
    if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
    const pad = (y1 - y0) * 0.05;
    [y0, y1] = [y0 - pad, y1 + pad];
    const sx = (v: number) => M.left + ((v - x0) / (x1 - x0 || 1)) * pw;
    const sy = (v: number) => M.top + (1 - (Math.min(Math.max(v, y0), y1) - y0) / (y1 - y0)) * ph;
    for (let d = Math.ceil(x0); d <= Math.floor(x1); d++) {
      const x = sx(d);
      parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="#eee"/>`);
      parts.push(`<text x="${x}" y="${M.top + ph + 18}" text-anchor="middle">1e${d}</text>`);
    }
    for (let i = 0; i <= 4; i++) {
      const v = y0 + ((y1 - y0) * i) / 4;
      parts.push(`<text x="${M.left - 6}" y="${sy(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`);
    }
    parts.push(polyline(points.map((p, i) => [sx(lx[i]), sy(p.loss)]), '#bbb', 1));
    parts.push(polyline(points.map((p, i) => [sx(lx[i]), sy(p.smoothed)]), '#1f6fd1', 2));
    if (suggestion !== undefined) {
      const x = sx(Math.log10(suggestion));
      const i = points.findIndex((p) => p.lr === suggestion);
      const y = i >= 0 ? sy(points[i].smoothed) : M.top + ph / 2;
      parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="#d33" stroke-dasharray="4,3"/>`);
      parts.push(`<circle cx="${x}" cy="${y}" r="5" fill="#d33"/>`);
      parts.push(`<text x="${Math.min(x + 8, W - 140)}" y="${M.top + 16}" fill="#d33">suggested ${formatLr(suggestion)}</text>`);
    }
  } else {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">too few steps to plot</text>`);
  }
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">learning rate (log scale)</text>`);
  parts.push(`<text transform="translate(18,${M.top + ph / 2}) rotate(-90)" text-anchor="middle">loss (smoothed; raw in grey)</text>`);
  parts.push('</svg>');
  return parts.join('');
}

export async function lrPlotPng(points: readonly LrPoint[], suggestion?: number): Promise<Buffer> {
  return sharp(Buffer.from(lrPlotSvg(points, suggestion))).png().toBuffer();
}
