import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACT, BINARY, GRAD, PRECISION, REDUCE, UNARY } from './op-codes.js';

/** `enum Name { kA = 0, kB = 1 }` from ops.h as { kA: 0, ... }. */
function parseEnum(src: string, name: string): Record<string, number> {
  const body = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(src)?.[1];
  if (!body) throw new Error(`enum ${name} not found in ops.h`);
  return Object.fromEntries([...body.matchAll(/(k\w+)\s*=\s*(\d+)/g)].map((m) => [m[1], Number(m[2])]));
}

/** The TS key as spelled in the header (`Multiply` -> `kMul`-style names differ, so compare values by order). */
function values(t: Record<string, number>): number[] {
  return Object.values(t).sort((a, b) => a - b);
}

describe('op codes mirror ops.h', () => {
  const src = readFileSync(join(__dirname, 'ops.h'), 'utf8');
  it.each([
    ['Act', ACT], ['BinaryOp', BINARY], ['UnaryOp', UNARY], ['GradOp', GRAD], ['ReduceOp', REDUCE], ['Precision', PRECISION],
  ] as const)('%s', (name, table) => {
    const header = parseEnum(src, name);
    expect(values(table)).toEqual(Object.values(header).sort((a, b) => a - b));
    // Names match modulo the header's k/kU/kG/kR prefixes and a few C++ spellings.
    const alias: Record<string, string> = { Multiply: 'Mul', RealDiv: 'Div', ClipByValue: 'Clip', linear: 'Linear',
      relu: 'Relu', relu6: 'Relu6', leakyrelu: 'Leaky', sigmoid: 'Sigmoid', elu: 'Elu' };
    const byValue = new Map(Object.entries(header).map(([k, v]) => [v, k.replace(/^k[UGR]?(?=[A-Z])/, '')]));
    for (const [k, v] of Object.entries(table)) expect(byValue.get(v), `${name}.${k}`).toBe(alias[k] ?? k);
  });
});
