/**
 * The runnable examples of a package README: a fenced block whose info string is `js example`,
 * optionally followed by a `text output` block with exactly what it prints. Both are ordinary
 * code blocks on GitHub (the first word picks the highlighting); the pack test runs every
 * example from the installed tarballs, as ESM and as CommonJS, and compares the output.
 */
export interface ReadmeExample {
  /** 1-based line of the opening fence, for error messages. */
  line: number;
  /** The code as written: ES module syntax, top-level await allowed. */
  esm: string;
  /** The expected stdout, when an output block follows. */
  output?: string;
}

const FENCE = /^```(.*)$/;

export function readmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: { info: string; line: number; body: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`unclosed code block at line ${start + 1}`);
    blocks.push({ info: open[1]!.trim(), line: start + 1, body: `${body.join('\n')}\n` });
  }
  const out: ReadmeExample[] = [];
  blocks.forEach((b, k) => {
    if (b.info === 'text output' && blocks[k - 1]?.info !== 'js example') {
      throw new Error(`line ${b.line}: an output block must directly follow a 'js example' block`);
    }
    if (b.info !== 'js example') return;
    const next = blocks[k + 1];
    out.push({ line: b.line, esm: b.body, ...(next?.info === 'text output' ? { output: next.body } : {}) });
  });
  return out;
}

const IMPORT = /^import\s+(?:(\*\s+as\s+\w+)|(\w+)|\{([^}]*)\})\s+from\s+(['"][^'"]+['"]);?[ \t]*$/gm;

/**
 * The same example as CommonJS: `import { a, b as c } from 'x'` → `const { a, b: c } = require('x')`,
 * `import * as ns` / `import x` → `const ns = require('x')`, the rest wrapped in an async function
 * (CommonJS has no top-level await). Only these import forms are supported; others fail loudly.
 */
export function toCommonJs(esm: string): string {
  // Each import becomes a require() on the same line, so line numbers in errors stay close to the README's.
  const body = esm.replace(IMPORT, (_m, star: string | undefined, def: string | undefined, named: string | undefined, from: string) => {
    if (star) return `const ${star.replace(/^\*\s+as\s+/, '')} = require(${from});`;
    if (def) return `const ${def} = require(${from});`;
    const names = named!
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && !s.startsWith('type '))
      .map((s) => s.replace(/\s+as\s+/, ': '));
    return `const { ${names.join(', ')} } = require(${from});`;
  });
  if (/^\s*(import|export)\s/m.test(body)) throw new Error(`unsupported import/export form in example:\n${esm}`);
  return `'use strict';\n(async () => {\n${body}})().catch((e) => {\n  console.error(e);\n  process.exitCode = 1;\n});\n`;
}
