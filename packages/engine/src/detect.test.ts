import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeTfjsNode, probeWasm } from './detect';

const root = mkdtempSync(join(tmpdir(), 'kiln-detect-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fake install of a tfjs-node package under `<dir>/node_modules`, with or without its binding. */
function fakeInstall(dir: string, pkg: string, binding: string | undefined): string {
  const pkgDir = join(dir, 'node_modules', pkg);
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(
    join(pkgDir, 'package.json'),
    JSON.stringify({
      name: pkg,
      version: '4.22.0',
      binary: { module_name: 'tfjs_binding', module_path: './lib/napi-v{napi_build_version}/', napi_versions: [3, 8] },
    }),
  );
  if (binding) {
    mkdirSync(join(pkgDir, binding, '..'), { recursive: true });
    writeFileSync(join(pkgDir, binding), '');
  }
  return pkgDir;
}

describe('probeTfjsNode', () => {
  it('reports a package that is not installed', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(probeTfjsNode('@tensorflow/tfjs-node', [empty])).toMatchObject({
      available: false,
      reason: 'tfjs-node not installed',
      hint: expect.stringContaining('npm install @tensorflow/tfjs-node'),
    });
  });

  it('refuses an install whose native binding is missing, without loading it', () => {
    const dir = join(root, 'no-binding');
    fakeInstall(dir, '@tensorflow/tfjs-node', undefined);
    expect(probeTfjsNode('@tensorflow/tfjs-node', [dir])).toMatchObject({
      available: false,
      reason: 'tfjs-node installed but its native binding is missing',
      hint: expect.stringContaining('npm rebuild @tensorflow/tfjs-node'),
    });
  });

  it('finds the binding through the package.json binary field', () => {
    const dir = join(root, 'with-binding');
    const pkgDir = fakeInstall(dir, '@tensorflow/tfjs-node-gpu', 'lib/napi-v8/tfjs_binding.node');
    expect(probeTfjsNode('@tensorflow/tfjs-node-gpu', [dir])).toEqual({
      available: true,
      reason: 'tfjs-node-gpu found',
      packageDir: pkgDir,
      binding: join(pkgDir, 'lib/napi-v8/tfjs_binding.node'),
    });
  });
});

describe('probeWasm', () => {
  it('finds the bundled wasm backend', () => {
    expect(probeWasm()).toEqual({ available: true, reason: 'wasm available' });
  });
});
