import { crc32c, maskCrc, unmaskCrc } from './crc32c';

/**
 * TFRecord framing: uint64 length (little-endian), masked CRC-32C of those 8 bytes, the data,
 * masked CRC-32C of the data.
 */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc(crc32c(out.subarray(0, 8))), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskCrc(crc32c(data)), true);
  return out;
}

/** Splits a TFRecord file into its records, checking both CRCs of each; throws naming the bad record. */
export function readRecords(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const records: Uint8Array[] = [];
  let off = 0;
  while (off < file.length) {
    const index = records.length;
    if (off + 12 > file.length) throw new Error(`TFRecord ${index}: truncated header at byte ${off}`);
    const length = Number(view.getBigUint64(off, true));
    if (unmaskCrc(view.getUint32(off + 8, true)) !== crc32c(file.subarray(off, off + 8))) {
      throw new Error(`TFRecord ${index}: length CRC mismatch at byte ${off}`);
    }
    const start = off + 12;
    if (start + length + 4 > file.length) throw new Error(`TFRecord ${index}: truncated data at byte ${start}`);
    const data = file.subarray(start, start + length);
    if (unmaskCrc(view.getUint32(start + length, true)) !== crc32c(data)) {
      throw new Error(`TFRecord ${index}: data CRC mismatch at byte ${start}`);
    }
    records.push(data);
    off = start + length + 4;
  }
  return records;
}
