import { quoteCsv } from '@kiln/core';

/** Characters that make spreadsheets treat a cell as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Neutralises formula-looking text by prefixing a quote, as OWASP recommends. */
export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}


export type Cell = string | number | null | undefined;

/**
 * Renders rows as CSV. Columns listed in `textColumns` are user-controlled text and get
 * formula escaping; numbers are written as they are.
 */
export function toCsv(header: string[], rows: Cell[][], textColumns: ReadonlySet<string>): string {
  const lines = [header.map((h) => quoteCsv(escapeFormula(h))).join(',')];
  for (const row of rows) {
    lines.push(
      row
        .map((cell, i) => {
          if (cell === null || cell === undefined) return '';
          if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
          return quoteCsv(textColumns.has(header[i]) ? escapeFormula(cell) : cell);
        })
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
