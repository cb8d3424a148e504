import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeInfo } from './info.js';
import { packageRoot } from './load-addon.js';

/**
 * The kernel tests are `describe.skipIf(!nativeReady)`: without this guard a broken addon
 * build on a CI machine that has OpenBLAS and oneDNN turns them all into silent skips.
 * Under CI=true the addon must load wherever its system libraries are installed.
 */
const findLibs = createRequire(__filename)(join(packageRoot(), 'scripts', 'find-libs.cjs')) as { missing(): string[] };

describe('CI guard: the native addon is built where it can be', () => {
  const missingLibs = findLibs.missing();
  const onCi = process.env.CI === 'true' || process.env.CI === '1';

  it.runIf(onCi)('CI=true: system libraries installed → the addon loads (else every kernel test would skip)', () => {
    const info = nativeInfo();
    const reason = missingLibs.length
      ? `system libraries missing (${missingLibs.join(', ')}): kernel tests skip, as they may`
      : `OpenBLAS and oneDNN are installed but the addon did not load: ${info.error ?? 'unknown error'} — run \`npm rebuild @kiln/backend-native\` and read its output`;
    expect(missingLibs.length > 0 || info.available, reason).toBe(true);
  });

  it('find-libs reports what is missing by name', () => {
    for (const m of missingLibs) expect(['OpenBLAS', 'oneDNN']).toContain(m);
  });
});
