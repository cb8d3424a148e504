import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = 'KILNVC1';

/** One file's `verify: decode` outcome: `reason` is empty when it decoded. */
export interface VerifyRecord {
  size: number;
  mtime: number;
  reason: string;
}

/**
 * `verify: decode` results kept across runs, one file per (CSV, processor config) under
 * `<dir>/verify/`: per image (absolute path) its size, mtime and decode outcome. An image whose
 * size and mtime still match is not decoded again (as make does, a rewrite that keeps both is
 * not noticed); a changed, new or re-listed one is. Failures are kept too, with their reason.
 */
export class VerifyCache {
  private constructor(
    readonly path: string,
    private readonly records: Map<string, VerifyRecord>,
  ) {}

  static fileFor(dir: string, csvPath: string, processorConfig: unknown): string {
    const key = createHash('sha256').update(`${csvPath}\0${JSON.stringify(processorConfig)}`).digest('hex').slice(0, 24);
    return join(dir, 'verify', `${key}.tsv`);
  }

  /** The stored records, or none when the file is missing or unreadable (then everything is decoded). */
  static load(path: string): VerifyCache {
    const records = new Map<string, VerifyRecord>();
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return new VerifyCache(path, records);
    }
    const lines = text.split('\n');
    if (lines[0] !== MAGIC) return new VerifyCache(path, records);
    for (let i = 1; i < lines.length; i++) {
      const [size, mtime, reason, file] = lines[i].split('\t');
      if (file === undefined) continue; // a cut last line (another writer crashed): decoded again
      records.set(file, { size: Number(size), mtime: Number(mtime), reason: reason.replace(/\\n/g, '\n') });
    }
    return new VerifyCache(path, records);
  }

  /** The stored outcome when `file` still has this size and mtime, else undefined (decode it). */
  get(file: string, size: number, mtime: number): VerifyRecord | undefined {
    const r = this.records.get(file);
    return r && r.size === size && r.mtime === mtime ? r : undefined;
  }

  set(file: string, record: VerifyRecord): void {
    this.records.set(file, record);
  }

  /** Writes the records (atomic rename: a reader sees the old or the new file). Throws on a failing disk. */
  save(keep?: (file: string) => boolean): void {
    const out = [MAGIC];
    for (const [file, r] of this.records) {
      if (/[\t\n]/.test(file) || (keep && !keep(file))) continue; // such names are never cached
      out.push(`${r.size}\t${r.mtime}\t${r.reason.replace(/\t/g, ' ').replace(/\n/g, '\\n')}\t${file}`);
    }
    mkdirSync(join(this.path, '..'), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    writeFileSync(tmp, out.join('\n') + '\n');
    renameSync(tmp, this.path);
  }
}
