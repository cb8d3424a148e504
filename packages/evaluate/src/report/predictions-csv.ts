/** One scored row of a predictions CSV written by `kiln test`. */
export interface PredictionRow {
  /** 1-based data row in the predictions CSV (input order). */
  row: number;
  path: string;
  prediction: string;
  confidence: number;
  label?: string;
}

/** RFC 4180 fields of a CSV text (quotes, doubled quotes, CR/LF inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Undoes the writer's formula guard (`'=…` → `=…`) on text cells. */
function unescapeFormula(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** The scored rows of `kiln test`'s predictions CSV (rows with an error are left out). */
export function readPredictions(csvText: string): PredictionRow[] {
  const [header, ...records] = parseCsv(csvText);
  if (!header) return [];
  const col = (name: string) => header.indexOf(name);
  const [p, pred, conf, lab, err] = [col('path'), col('prediction'), col('confidence'), col('label'), col('error')];
  if (p < 0 || pred < 0 || conf < 0) throw new Error(`predictions CSV lacks path/prediction/confidence columns (has ${header.join(', ')})`);
  const out: PredictionRow[] = [];
  records.forEach((r, i) => {
    if ((err >= 0 && r[err]) || !r[pred]) return;
    out.push({
      row: i + 1,
      path: unescapeFormula(r[p]),
      prediction: unescapeFormula(r[pred]),
      confidence: Number(r[conf]),
      ...(lab >= 0 && r[lab] !== '' ? { label: unescapeFormula(r[lab]) } : {}),
    });
  });
  return out;
}

/** Wrong predictions, most confident first (ties: input order): the model's worst mistakes. */
export function worstMisclassified(rows: readonly PredictionRow[], count: number): PredictionRow[] {
  return rows
    .filter((r) => r.label !== undefined && r.label !== r.prediction)
    .sort((a, b) => b.confidence - a.confidence || a.row - b.row)
    .slice(0, count);
}
