/** One parsed record and the 1-based line it starts on. */
export type CsvRecordHandler = (fields: string[], line: number) => void;

/** A structural problem in the CSV text (unclosed quote, text after a closing quote). */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Incremental RFC 4180 reader: feed text with `push` (any chunking), then `end`. Handles a
 * UTF-8 BOM, CRLF / LF / CR line ends, quoted fields with commas, quotes (`""`) and newlines.
 * Blank lines are skipped. Linear in the input; its state is one field and one record, so a
 * hostile file cannot make it hang or recurse.
 */
export class CsvParser {
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  private afterQuote = false;
  private pendingCr = false;
  private quotedCr = false;
  private line = 1;
  private recordLine = 1;
  private started = false;
  private first = true;

  constructor(private readonly onRecord: CsvRecordHandler) {}

  push(text: string): void {
    let i = 0;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    const n = text.length;
    let start = i; // start of the run of plain characters not yet appended to `field`
    for (; i < n; i++) {
      const ch = text.charCodeAt(i);
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === LF) {
          start = i + 1;
          continue;
        }
      }
      if (this.inQuotes) {
        if (ch === QUOTE) {
          this.field += text.slice(start, i);
          this.inQuotes = false;
          this.afterQuote = true;
          start = i + 1;
        } else if (ch === LF && !this.quotedCr) {
          this.line++;
        } else if (ch === CR) {
          this.line++; // CRLF counts once: the LF after it is skipped above
        }
        this.quotedCr = ch === CR;
        continue;
      }
      if (this.afterQuote) {
        if (ch === QUOTE) {
          // "" inside a quoted field: one literal quote, still quoted
          this.field += '"';
          this.inQuotes = true;
          this.afterQuote = false;
          start = i + 1;
          continue;
        }
        if (ch !== COMMA && ch !== LF && ch !== CR) {
          throw new CsvSyntaxError(`unexpected character after a closing quote on line ${this.line}`, this.line);
        }
        this.afterQuote = false;
      }
      if (ch === COMMA) {
        this.fields.push(this.field + text.slice(start, i));
        this.field = '';
        this.started = true;
        start = i + 1;
      } else if (ch === LF || ch === CR) {
        this.field += text.slice(start, i);
        this.endRecord();
        this.line++;
        this.recordLine = this.line;
        if (ch === CR) this.pendingCr = true;
        start = i + 1;
      } else if (ch === QUOTE) {
        const pending = this.field + text.slice(start, i);
        if (pending.trim() !== '') {
          throw new CsvSyntaxError(`a quote inside an unquoted field on line ${this.line}`, this.line);
        }
        this.field = '';
        this.inQuotes = true;
        this.started = true;
        start = i + 1;
      } else if (!this.started) {
        this.started = true;
      }
    }
    if (start < n) {
      this.field += text.slice(start, n);
      if (!this.inQuotes && !this.afterQuote) this.started = true;
    }
  }

  /** Flushes the last record; throws on an unclosed quote. */
  end(): void {
    if (this.inQuotes) {
      throw new CsvSyntaxError(`unclosed quote in the record starting on line ${this.recordLine}`, this.recordLine);
    }
    this.endRecord();
  }

  private endRecord(): void {
    if (this.started || this.fields.length > 0 || this.field !== '') {
      this.fields.push(this.field);
      const record = this.fields;
      this.fields = [];
      this.field = '';
      this.started = false;
      this.afterQuote = false;
      this.onRecord(record, this.recordLine);
    } else {
      this.field = '';
    }
  }
}

/** Parses a whole CSV text into records (tests, small files). */
export function parseCsvText(text: string): Array<{ fields: string[]; line: number }> {
  const out: Array<{ fields: string[]; line: number }> = [];
  const parser = new CsvParser((fields, line) => out.push({ fields, line }));
  parser.push(text);
  parser.end();
  return out;
}
