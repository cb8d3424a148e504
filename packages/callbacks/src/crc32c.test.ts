import { describe, expect, it } from 'vitest';
import { crc32c, maskCrc, unmaskCrc } from './crc32c';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32c', () => {
  it('matches the published check value and RFC 3720 vectors', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });

  it('can continue from a previous crc', () => {
    const whole = crc32c(ascii('123456789'));
    expect(crc32c(ascii('6789'), crc32c(ascii('12345')))).toBe(whole);
  });

  it('masks as TFRecord does and unmasks back', () => {
    expect(maskCrc(0)).toBe(0xa282ead8);
    // rotate right 15 of 0xE3069283 = 0x2507C60D; + 0xA282EAD8 = 0xC78AB0E5
    expect(maskCrc(0xe3069283)).toBe(0xc78ab0e5);
    for (const c of [0, 1, 0xffffffff, 0xe3069283, 0x12345678]) expect(unmaskCrc(maskCrc(c))).toBe(c);
  });
});
