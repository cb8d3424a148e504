/** RFC 4180 quoting of one CSV cell: quoted (with `"` doubled) when it holds a comma, quote, CR or LF. */
export function quoteCsv(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
