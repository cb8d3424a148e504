import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

function crc32Js(data: Uint8Array, start: number, end: number): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// node:zlib's native crc32 (Node >= 20.15) when there is one, else a table loop.
const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (the PNG/zlib polynomial) of `data[start, end)`. */
export function crc32(data: Uint8Array, start: number, end: number): number {
  return native ? native(data.subarray(start, end)) >>> 0 : crc32Js(data, start, end);
}

export { crc32Js };
