import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeEvent, EventFileWriter, EVENT_FILE_VERSION } from './event-file';
import { frameRecord, readRecords } from './tfrecord';
import { decodeEvent, readEventFile } from './__fixtures__/event-reader';
import { tempRunDir } from './__fixtures__/fake-trainer';

describe('TFRecord framing', () => {
  it('frames data with length, masked CRCs and reads it back', () => {
    const data = new TextEncoder().encode('123456789');
    const framed = frameRecord(data);
    expect(framed.length).toBe(8 + 4 + 9 + 4);
    expect(Buffer.from(framed.subarray(0, 8)).readBigUInt64LE()).toBe(9n);
    // masked crc32c("123456789") (0xE3069283 rotated and offset) closes the record.
    expect(Buffer.from(framed).readUInt32LE(21)).toBe(0xc78ab0e5);
    const twice = Buffer.concat([framed, frameRecord(new Uint8Array(0))]);
    const records = readRecords(twice);
    expect(records.map((r) => Buffer.from(r).toString())).toEqual(['123456789', '']);
  });

  it('rejects corrupted or truncated records, naming the record', () => {
    const framed = Buffer.concat([frameRecord(Uint8Array.of(1, 2)), frameRecord(Uint8Array.of(3, 4, 5))]);
    const corrupt = Buffer.from(framed);
    corrupt[18 + 13] ^= 0xff; // a data byte of record 1
    expect(() => readRecords(corrupt)).toThrow(/TFRecord 1: data CRC mismatch/);
    const badLength = Buffer.from(framed);
    badLength[0] ^= 1;
    expect(() => readRecords(badLength)).toThrow(/TFRecord 0: length CRC mismatch/);
    expect(() => readRecords(framed.subarray(0, framed.length - 2))).toThrow(/TFRecord 1: truncated/);
  });
});

describe('event encoding', () => {
  it('round-trips an Event with summary values', () => {
    const bytes = encodeEvent({
      wallTime: 1700000000.25,
      step: 42,
      scalars: [
        { tag: 'train/loss', value: 0.5 },
        { tag: 'lr', value: 0.001 },
      ],
    });
    expect(decodeEvent(bytes)).toEqual({
      wallTime: 1700000000.25,
      step: 42,
      values: [
        { tag: 'train/loss', simpleValue: 0.5 },
        { tag: 'lr', simpleValue: Math.fround(0.001) },
      ],
    });
  });

  it('encodes a SessionLog START as field 6 { status: 1 }', () => {
    // wall_time 0 (09 + 8 zero bytes), step 5 (10 05), session_log (32 02 08 01).
    expect(Buffer.from(encodeEvent({ wallTime: 0, step: 5, sessionStart: true })).toString('hex')).toBe(
      '09' + '00'.repeat(8) + '1005' + '32020801',
    );
  });
});

describe('EventFileWriter', () => {
  it('writes a file TensorBoard can read: version event first, then scalars', () => {
    const dir = tempRunDir();
    let ms = 1_700_000_000_500;
    const writer = new EventFileWriter(join(dir, 'tb'), { now: () => ms, hostname: 'host1' });
    expect(writer.path).toBe(join(dir, 'tb', 'events.out.tfevents.1700000000.host1'));
    ms += 1000;
    writer.addScalars(10, [{ tag: 'train/loss', value: 2.25 }]);
    writer.addScalars(20, []); // nothing to write
    writer.addScalars(20, [{ tag: 'val/accuracy', value: 0.75 }]);
    writer.close();

    const events = readEventFile(writer.path);
    expect(events).toHaveLength(3);
    expect(events[0]).toEqual({ wallTime: 1700000000.5, step: 0, fileVersion: EVENT_FILE_VERSION, values: [] });
    expect(events[1]).toMatchObject({ wallTime: 1700000001.5, step: 10, values: [{ tag: 'train/loss', simpleValue: 2.25 }] });
    expect(events[2]!.values).toEqual([{ tag: 'val/accuracy', simpleValue: 0.75 }]);
    expect(() => writer.addScalars(1, [{ tag: 'x', value: 1 }])).toThrow(/closed/);
  });

  it('does not overwrite an existing file from the same second', () => {
    const dir = tempRunDir();
    writeFileSync(join(dir, 'events.out.tfevents.5.h'), 'keep');
    const writer = new EventFileWriter(dir, { now: () => 5000, hostname: 'h' });
    writer.close();
    expect(writer.path).toBe(join(dir, 'events.out.tfevents.5.h.1'));
    expect(readFileSync(join(dir, 'events.out.tfevents.5.h'), 'utf8')).toBe('keep');
    expect(readdirSync(dir).sort()).toEqual(['events.out.tfevents.5.h', 'events.out.tfevents.5.h.1']);
  });
});
