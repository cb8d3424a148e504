import { describe, expect, it } from 'vitest';
import { UsageError } from '@kiln/core';
import { helpText, optionInt, optionList, parseArgs, type CommandSpec } from './args';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'demo',
  usage: 'kiln demo',
  valueOptions: { input: 'in', image: 'img', topk: 'k' },
  flags: { cfg: 'dry' },
  repeatable: ['image'],
  positionals: true,
};

describe('parseArgs', () => {
  it('reads --k=v, --k v, flags and positionals, and everything after --', () => {
    const a = parseArgs(['--input=a.csv', '--topk', '3', '--cfg', 'x=1', '--', '--not-an-option=2'], spec);
    expect(a.options).toEqual({ input: 'a.csv', topk: '3' });
    expect([...a.flags]).toEqual(['cfg']);
    expect(a.positionals).toEqual(['x=1', '--not-an-option=2']);
  });
  it('collects repeatable options', () => {
    expect(optionList(parseArgs(['--image=a.png', '--image', 'b.png'], spec), 'image')).toEqual(['a.png', 'b.png']);
  });
  it('rejects unknown options naming them, and a flag with a value', () => {
    expect(() => parseArgs(['--inptu=a'], spec)).toThrow(/unknown option '--inptu'/);
    expect(() => parseArgs(['--cfg=yes'], spec)).toThrow(UsageError);
  });
  it('rejects a missing value and a repeated single option', () => {
    expect(() => parseArgs(['--input'], spec)).toThrow(/--input needs a value/);
    expect(() => parseArgs(['--input=a', '--input=b'], spec)).toThrow(/given twice/);
  });
  it('validates integers', () => {
    expect(optionInt(parseArgs(['--topk=5'], spec), 'topk')).toBe(5);
    expect(() => optionInt(parseArgs(['--topk=0'], spec), 'topk')).toThrow(/integer ≥ 1/);
    expect(() => optionInt(parseArgs(['--topk=2.5'], spec), 'topk')).toThrow(UsageError);
  });
  it('refuses positionals where a command takes none', () => {
    expect(() => parseArgs(['stray'], { ...spec, positionals: false })).toThrow(/unexpected argument 'stray'/);
  });
  it('lists options in --help', () => {
    expect(helpText(spec)).toMatch(/--input=…\s+in/);
  });
  it('--help states the exit codes and that nx collapses them', () => {
    expect(helpText(spec)).toMatch(/Exit codes: 0 ok, 1 failure, 2 usage or config error, 130\/143 interrupted/);
    expect(helpText(spec)).toMatch(/npx nx run .*exit 1/);
  });
});
