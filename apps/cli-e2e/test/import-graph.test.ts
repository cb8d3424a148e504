import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs tool, no types
import { checkProject, checkRepo, fileCycles, packageCycles } from '../../../tools/import-graph.mjs';

const repo = resolve(__dirname, '../../..');

function project(files: Record<string, string>, pkg: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-imports-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@kiln/fake', dependencies: { zod: '^4' }, ...pkg }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('import graph (tools/import-graph.mjs)', () => {
  it('the workspace: every published import declared, no file cycle in any project', () => {
    expect(checkRepo(repo)).toEqual([]);
  });

  it("finds a type-only file cycle (core's old component → injection → registry → component)", () => {
    const dir = project({
      'src/component.ts': "import type { ComponentContext } from './injection';\nexport interface C { ctx: ComponentContext }\n",
      'src/injection.ts': "import type { Registries } from './registry';\nexport interface ComponentContext { r?: Registries }\n",
      'src/registry.ts': "import type { C } from './component.js';\nexport class Registries { c?: C }\n",
      'src/leaf.ts': "import { z } from 'zod';\nexport const s = z.string();\n",
    });
    expect(checkProject(dir)).toEqual(['@kiln/fake: file cycle src/component.ts → src/injection.ts → src/registry.ts → src/component.ts']);
  });

  it('finds undeclared imports in published sources and bench, not in tests; and reaches into src/', () => {
    const dir = project(
      {
        'src/a.ts': "import { x } from '@kiln/data';\nexport const y = import('lodash/fp');\nimport { z } from 'zod';\nimport 'node:fs';\nimport 'path';\n",
        'src/b.ts': "export * from '@kiln/core/src/x';\n",
        'src/a.test.ts': "import { q } from '@kiln/anything';\n",
        'bench/run.ts': "import { t } from '@kiln/trainer';\nimport { v } from 'vitest';\n",
      },
      { peerDependencies: { '@kiln/core': '*' } },
    );
    const problems: string[] = checkProject(dir, { devDependencies: { vitest: '4' } });
    expect(problems.map((p) => p.replace(/ not declared in .*$/, ''))).toEqual([
      "@kiln/fake: bench/run.ts imports '@kiln/trainer',",
      "@kiln/fake: src/a.ts imports '@kiln/data',",
      "@kiln/fake: src/a.ts imports 'lodash/fp',",
      "@kiln/fake: src/b.ts imports '@kiln/core/src/x': another package's src/ (use its exports)",
    ]);
  });

  it('finds a dependency cycle between packages (an arrow back up)', () => {
    const deps = new Map([
      ['@kiln/core', new Set<string>(['zod'])],
      ['@kiln/trainer', new Set(['@kiln/core', '@kiln/export'])],
      ['@kiln/export', new Set(['@kiln/trainer', '@kiln/core'])],
    ]);
    expect(packageCycles(deps)).toEqual(['package cycle @kiln/trainer → @kiln/export → @kiln/trainer']);
    deps.get('@kiln/trainer')!.delete('@kiln/export');
    expect(packageCycles(deps)).toEqual([]);
  });

  it('fileCycles: a self-import is a cycle, a diamond is not', () => {
    const e = (m: Record<string, string[]>) => new Map(Object.entries(m).map(([k, v]) => [k, new Set(v)]));
    expect(fileCycles(e({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }))).toEqual([]);
    expect(fileCycles(e({ a: ['a'] }))).toEqual([['a']]);
  });
});
