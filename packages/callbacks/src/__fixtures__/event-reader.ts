import { readFileSync } from 'node:fs';
import { readRecords } from '../tfrecord';

/** A minimal protobuf decoder, written independently of the encoder, to read event files back. */
type Field = { field: number; wire: number; value: bigint | Uint8Array };

export function decodeFields(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let off = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[off++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (off < buf.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 1) {
      fields.push({ field, wire, value: buf.slice(off, off + 8) });
      off += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      fields.push({ field, wire, value: buf.slice(off, off + len) });
      off += len;
    } else if (wire === 5) {
      fields.push({ field, wire, value: buf.slice(off, off + 4) });
      off += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return fields;
}

export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  /** SessionLog status (1 = START) when the event carries one. */
  sessionStatus?: number;
  values: { tag: string; simpleValue: number }[];
}

export function decodeEvent(buf: Uint8Array): DecodedEvent {
  const event: DecodedEvent = { wallTime: NaN, step: 0, values: [] };
  for (const f of decodeFields(buf)) {
    const bytes = f.value as Uint8Array;
    if (f.field === 1 && f.wire === 1) event.wallTime = new DataView(bytes.buffer, bytes.byteOffset).getFloat64(0, true);
    else if (f.field === 2 && f.wire === 0) event.step = Number(BigInt.asIntN(64, f.value as bigint));
    else if (f.field === 3 && f.wire === 2) event.fileVersion = new TextDecoder().decode(bytes);
    else if (f.field === 5 && f.wire === 2) {
      for (const v of decodeFields(bytes)) {
        if (v.field !== 1) continue;
        let tag = '';
        let simpleValue = NaN;
        for (const g of decodeFields(v.value as Uint8Array)) {
          const gb = g.value as Uint8Array;
          if (g.field === 1 && g.wire === 2) tag = new TextDecoder().decode(gb);
          if (g.field === 2 && g.wire === 5) simpleValue = new DataView(gb.buffer, gb.byteOffset).getFloat32(0, true);
        }
        event.values.push({ tag, simpleValue });
      }
    } else if (f.field === 6 && f.wire === 2) {
      for (const g of decodeFields(bytes)) if (g.field === 1 && g.wire === 0) event.sessionStatus = Number(g.value);
    } else throw new Error(`unexpected Event field ${f.field} (wire ${f.wire})`);
  }
  return event;
}

export function readEventFile(path: string): DecodedEvent[] {
  return readRecords(new Uint8Array(readFileSync(path))).map(decodeEvent);
}
