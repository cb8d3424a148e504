import { describe, expect, it } from 'vitest';
import { unpickle } from './pickle';

// Made with CPython: pickle.dumps({'f': 1.5, 'big': 2**40, 'neg': -3, 'n': None, 't': True,
// 'l': [1, (2, 'x')], 'od': collections.OrderedDict(a=1)}, protocol=2); the protocol-4 one adds 'b': b'\x00\x01'.
const P2 =
  '80027d7100285801000000667101473ff8000000000000580300000062696771028a0600000000000158030000006e656771034afdffffff58010000006e71044e58010000007471058858010000006c71065d7107284b014b0258010000007871088671096558020000006f64710a63636f6c6c656374696f6e730a4f726465726564446963740a710b2952710c580100000061710d4b0173752e';
const P4 =
  '8004957d000000000000007d94288c016694473ff80000000000008c03626967948a060000000000018c036e6567944afdffffff8c016e944e8c017494888c016c945d94284b014b028c0178948694658c01629443020001948c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0161944b0173752e';
const OS_SYSTEM = '800263706f7369780a73797374656d0a71002e'; // pickle.dumps(os.system, protocol=2)

const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
const calls = { 'collections.OrderedDict': () => new Map() };

describe('unpickle (allow-list, no code runs)', () => {
  it('reads the values torch.save files hold, protocols 2 and 4', () => {
    for (const h of [P2, P4]) {
      const v = unpickle(hex(h), { calls, names: new Set(), source: 'x.pkl' }) as Map<string, unknown>;
      expect(v.get('f')).toBe(1.5);
      expect(v.get('big')).toBe(2 ** 40);
      expect(v.get('neg')).toBe(-3);
      expect(v.get('n')).toBeNull();
      expect(v.get('t')).toBe(true);
      expect(v.get('l')).toEqual([1, [2, 'x']]);
      expect(v.get('od')).toEqual(new Map([['a', 1]]));
    }
    const v4 = unpickle(hex(P4), { calls, names: new Set(), source: 'x.pkl' }) as Map<string, unknown>;
    expect(Array.from(v4.get('b') as Uint8Array)).toEqual([0, 1]);
  });

  it('refuses a global that is not allowed, by name, and a truncated stream', () => {
    expect(() => unpickle(hex(OS_SYSTEM), { calls, names: new Set(), source: 'evil.pkl' })).toThrow(/evil\.pkl: refusing to load global 'posix\.system'/);
    expect(() => unpickle(hex(P2).subarray(0, 40), { calls, names: new Set(), source: 'cut.pkl' })).toThrow(/cut\.pkl: .*(ends early|truncated)/);
    // A name allowed as a value (a storage type) still cannot be called.
    const reduceStorage = hex('8002636d6f640a6e616d650a29522e'); // GLOBAL mod.name, EMPTY_TUPLE, REDUCE, STOP
    expect(() => unpickle(reduceStorage, { calls, names: new Set(['mod.name']), source: 's.pkl' })).toThrow(/s\.pkl: refusing to call 'mod\.name'/);
  });
});
