/**
 * Many strings in one UTF-8 buffer plus an offset table: ~1 byte per character and 4 bytes
 * per entry instead of a JS string object (~40+ bytes) per entry, so an index of millions of
 * rows stays small and is cheap to hand to a worker thread.
 */
export class StringTable {
  constructor(
    readonly bytes: Uint8Array,
    /** `count + 1` offsets into `bytes`; entry i is `bytes[offsets[i], offsets[i + 1])`. */
    readonly offsets: Uint32Array,
  ) {}

  get count(): number {
    return this.offsets.length - 1;
  }

  get(i: number): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString(
      'utf8',
      this.offsets[i],
      this.offsets[i + 1],
    );
  }

  /** The entries at `indices`, in that order, as a new table. */
  subset(indices: ArrayLike<number>): StringTable {
    let total = 0;
    for (let k = 0; k < indices.length; k++) total += this.offsets[indices[k] + 1] - this.offsets[indices[k]];
    const bytes = new Uint8Array(total);
    const offsets = new Uint32Array(indices.length + 1);
    let at = 0;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      bytes.set(this.bytes.subarray(this.offsets[i], this.offsets[i + 1]), at);
      at += this.offsets[i + 1] - this.offsets[i];
      offsets[k + 1] = at;
    }
    return new StringTable(bytes, offsets);
  }

  static from(strings: Iterable<string>): StringTable {
    const b = new StringTableBuilder();
    for (const s of strings) b.add(s);
    return b.build();
  }
}

/** Appends strings into a growing buffer; `build()` trims it to size. */
export class StringTableBuilder {
  private bytes = Buffer.allocUnsafe(1 << 16);
  private offsets = new Uint32Array(1 << 12);
  private n = 0;
  private used = 0;

  get count(): number {
    return this.n;
  }

  add(s: string): number {
    const max = s.length * 3;
    if (this.used + max > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + max));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes.write(s, this.used, 'utf8');
    if (this.n + 2 > this.offsets.length) {
      const grown = new Uint32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[++this.n] = this.used;
    return this.n - 1;
  }

  /** On shared memory, so worker threads (the stat pass) read it without a copy. */
  build(): StringTable {
    const bytes = new Uint8Array(new SharedArrayBuffer(this.used));
    bytes.set(this.bytes.subarray(0, this.used));
    const offsets = new Uint32Array(new SharedArrayBuffer(4 * (this.n + 1)));
    offsets.set(this.offsets.subarray(0, this.n + 1));
    return new StringTable(bytes, offsets);
  }
}

/** A growable Int32Array (row numbers, label codes) without an array of boxed numbers. */
export class IntList {
  private data = new Int32Array(1 << 12);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }

  build(): Int32Array {
    return this.data.slice(0, this.length);
  }
}
