import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-write';

// Wrap the rename calls so a test can make one fail, as a full disk or a crash would.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, renameSync: vi.fn(actual.renameSync) };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'kiln-atomic-'));
});
afterEach(() => {
  vi.mocked(fs.renameSync).mockReset();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('writeFileAtomicSync', () => {
  it('writes strings and bytes, creating parent folders', () => {
    writeFileAtomicSync(join(dir, 'a/b/c.txt'), 'héllo');
    expect(fs.readFileSync(join(dir, 'a/b/c.txt'), 'utf8')).toBe('héllo');
    writeFileAtomicSync(join(dir, 'bin'), new Uint8Array([1, 2, 255]));
    expect([...fs.readFileSync(join(dir, 'bin'))]).toEqual([1, 2, 255]);
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'bin']);
  });

  it('replaces an existing file', () => {
    const file = join(dir, 'f.txt');
    writeFileAtomicSync(file, 'old');
    writeFileAtomicSync(file, 'new');
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
  });

  it('keeps the old content and removes the temp file when the rename fails', () => {
    const file = join(dir, 'config.yaml');
    fs.writeFileSync(file, 'old: true\n');
    vi.mocked(fs.renameSync).mockImplementationOnce(() => {
      throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
    });
    expect(() => writeFileAtomicSync(file, 'new: true\n')).toThrow('EIO: simulated');
    expect(fs.readFileSync(file, 'utf8')).toBe('old: true\n');
    expect(fs.readdirSync(dir)).toEqual(['config.yaml']);
  });

  it('fails without touching anything when the folder cannot be created', () => {
    fs.writeFileSync(join(dir, 'file'), 'x');
    expect(() => writeFileAtomicSync(join(dir, 'file', 'child.txt'), 'y')).toThrow(/ENOTDIR|EEXIST/);
    expect(fs.readFileSync(join(dir, 'file'), 'utf8')).toBe('x');
  });
});

describe('writeFileAtomic', () => {
  it('writes a list of chunks in order, as one file', async () => {
    const p = join(dir, 'chunks.bin');
    const floats = Float32Array.of(1.5, -2, 3.25);
    await writeFileAtomic(p, [Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(floats.buffer, 4, 8)]);
    const back = fs.readFileSync(p);
    expect(Array.from(back.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(Array.from(new Float32Array(back.buffer.slice(back.byteOffset + 3, back.byteOffset + 11)))).toEqual([-2, 3.25]);
    expect(back.length).toBe(11);
  });

  it('writes and replaces', async () => {
    const file = join(dir, 'x/state.json');
    await writeFileAtomic(file, '{"a":1}');
    await writeFileAtomic(file, '{"a":2}');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":2}');
  });

  it('concurrent writes of one path leave one complete version and no temp files', async () => {
    const file = join(dir, 'same.txt');
    const versions = Array.from({ length: 8 }, (_, i) => String(i).repeat(10000));
    await Promise.all(versions.map((v) => writeFileAtomic(file, v)));
    expect(versions).toContain(fs.readFileSync(file, 'utf8'));
    expect(fs.readdirSync(dir)).toEqual(['same.txt']);
  });

  it('keeps the old content and removes the temp file when the rename fails', async () => {
    const file = join(dir, 'ckpt.json');
    fs.writeFileSync(file, 'old');
    vi.mocked(fsp.rename).mockImplementationOnce(async () => {
      throw new Error('ENOSPC: simulated');
    });
    await expect(writeFileAtomic(file, 'new')).rejects.toThrow('ENOSPC: simulated');
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['ckpt.json']);
  });
});
