import sharp from 'sharp';

function esc(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Row-normalised confusion matrix as an SVG heat map with counts, rendered to PNG by sharp. */
export function confusionSvg(matrix: number[][], classes: string[]): string {
  const n = classes.length;
  const cell = Math.max(28, Math.min(60, Math.floor(600 / Math.max(n, 1))));
  const label = Math.min(160, 12 + 7 * Math.max(...classes.map((c) => c.length), 4));
  const size = label + n * cell + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 30}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${label}" y="16" font-size="13">predicted →   (rows: true class)</text>`,
  ];
  for (let i = 0; i < n; i++) {
    const total = matrix[i].reduce((a, b) => a + b, 0) || 1;
    const y = 30 + label + i * cell;
    parts.push(`<text x="${label - 6}" y="${y + cell / 2 + 4}" text-anchor="end">${esc(classes[i])}</text>`);
    for (let j = 0; j < n; j++) {
      const frac = matrix[i][j] / total;
      const shade = Math.round(255 - frac * 200);
      const x = label + j * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#ccc"/>`);
      parts.push(
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${frac > 0.6 ? 'white' : 'black'}">${matrix[i][j]}</text>`,
      );
    }
  }
  for (let j = 0; j < n; j++) {
    const x = label + j * cell + cell / 2;
    parts.push(`<text transform="translate(${x + 4},${30 + label - 6}) rotate(-60)">${esc(classes[j])}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export async function confusionPng(matrix: number[][], classes: string[]): Promise<Buffer> {
  return sharp(Buffer.from(confusionSvg(matrix, classes))).png().toBuffer();
}
