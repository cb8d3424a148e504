import { describe, expect, it } from 'vitest';
import { quoteCsv } from './csv-field';

describe('quoteCsv', () => {
  it('quotes only cells that need it and doubles quotes', () => {
    expect(quoteCsv('plain')).toBe('plain');
    expect(quoteCsv('a,b')).toBe('"a,b"');
    expect(quoteCsv('say "hi"')).toBe('"say ""hi"""');
    expect(quoteCsv('two\nlines')).toBe('"two\nlines"');
    expect(quoteCsv('cr\r')).toBe('"cr\r"');
  });
});
