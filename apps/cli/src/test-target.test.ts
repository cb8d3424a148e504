import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs script beside the nx target, no types
import { isProductCommand } from '../scripts/product-command.mjs';

describe('cli:test argument rule (scripts/product-command.mjs)', () => {
  it('the spec positionals and --input/--output are the product command', () => {
    expect(isProductCommand(['in.csv', 'out.csv', '0'])).toBe(true);
    expect(isProductCommand(['data/Test.CSV', 'out.csv'])).toBe(true);
    expect(isProductCommand(['--input=in.csv', '--output=o.csv'])).toBe(true);
    expect(isProductCommand(['--input', 'in.csv'])).toBe(true);
    expect(isProductCommand(['--help'])).toBe(true);
  });
  it('no arguments, vitest filters and options are the unit tests', () => {
    expect(isProductCommand([])).toBe(false);
    expect(isProductCommand(['args.test.ts'])).toBe(false);
    expect(isProductCommand(['--reporter', 'verbose', 'tune'])).toBe(false);
    expect(isProductCommand(['--inputs-are-not-input'])).toBe(false);
  });
});
