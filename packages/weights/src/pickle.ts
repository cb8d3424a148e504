import { WeightsFormatError } from './errors';

/** A module-level name the pickle refers to (`collections.OrderedDict`); never imported or called. */
export class PickleGlobal {
  constructor(readonly name: string) {}
}

/** A Python tuple (kept apart from lists only where it matters: persistent ids). */
export type PickleTuple = readonly unknown[];

/** Builds the value of an allowed `REDUCE`/`NEWOBJ` call; anything not in the table is refused by name. */
export type PickleCall = (args: PickleTuple) => unknown;

/** Called for `BINPERSID` (torch's storage references). */
export type PersistentLoad = (pid: unknown) => unknown;

const UTF8 = new TextDecoder();
const LATIN1 = new TextDecoder('latin1');

export interface UnpickleOptions {
  /** Allowed callables by dotted name. */
  calls: Record<string, PickleCall>;
  /** Names that may appear as values (e.g. torch.FloatStorage inside a persistent id) but are never called. */
  names: ReadonlySet<string>;
  persistentLoad?: PersistentLoad;
  source: string;
}


/**
 * A pickle reader that runs no code (protocols 2–5 opcodes that torch.save emits): values are
 * numbers, strings, bytes, lists, tuples, Maps (dicts) and the results of the allowed calls.
 * Any other global is refused by name before anything is built, as `torch.load(weights_only=True)` does.
 */
export function unpickle(bytes: Uint8Array, o: UnpickleOptions): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = 0;
  const fail = (msg: string): never => {
    throw new WeightsFormatError(`${o.source}: ${msg} (pickle byte ${p})`);
  };
  const need = (n: number) => {
    if (p + n > bytes.byteLength) fail('the pickle ends early (truncated file?)');
  };
  const u8 = () => (need(1), bytes[p++]);
  const u16 = () => (need(2), (p += 2), view.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), view.getUint32(p - 4, true));
  const i32 = () => (need(4), (p += 4), view.getInt32(p - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('a length does not fit');
    return Number(v);
  };
  const take = (n: number) => (need(n), (p += n), bytes.subarray(p - n, p));
  const utf8 = (n: number) => UTF8.decode(take(n));
  const line = () => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) fail('a GLOBAL name has no end');
    const s = UTF8.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const pop = () => (stack.length ? stack.pop() : fail('stack underflow (corrupt pickle)'));
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK for a collection (corrupt pickle)');
    return stack.splice(m!);
  };
  const top = () => (stack.length ? stack[stack.length - 1] : fail('stack underflow (corrupt pickle)'));
  const global = (name: string) => {
    if (!Object.hasOwn(o.calls, name) && !o.names.has(name)) {
      fail(`refusing to load global '${name}': only tensors, dicts/OrderedDict and torch's storage rebuild functions are allowed (as torch.load(weights_only=True)); no code is run`);
    }
    return new PickleGlobal(name);
  };
  const call = (fn: unknown, args: unknown) => {
    if (!(fn instanceof PickleGlobal) || !Object.hasOwn(o.calls, fn.name)) fail(`refusing to call ${fn instanceof PickleGlobal ? `'${fn.name}'` : 'a non-global'}`);
    if (!Array.isArray(args)) fail(`call of '${(fn as PickleGlobal).name}' without an argument tuple`);
    return o.calls[(fn as PickleGlobal).name](args as PickleTuple);
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) fail('SETITEM(S) on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target)) fail('APPEND(S) on something that is not a list');
    (target as unknown[]).push(...items);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME (a hint only)
      case 0x2e: return pop(); // STOP
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(Object.freeze([])); break; // EMPTY_TUPLE
      case 0x64: { const items = popMark(); const m = new Map(); setItems(m, items); stack.push(m); break; } // DICT
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x74: stack.push(Object.freeze(popMark())); break; // TUPLE
      case 0x85: stack.push(Object.freeze([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(Object.freeze([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(Object.freeze([a, b, c])); break; } // TUPLE3
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: case 0x8b: { // LONG1, LONG4: little-endian two's complement
        const n = op === 0x8a ? u8() : u32();
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: { need(8); stack.push(view.getFloat64(p, false)); p += 8; break; } // BINFLOAT (big-endian)
      case 0x58: stack.push(utf8(u32())); break; // BINUNICODE
      case 0x8c: stack.push(utf8(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8(u64())); break; // BINUNICODE8
      case 0x54: stack.push(LATIN1.decode(take(u32()))); break; // BINSTRING
      case 0x55: stack.push(LATIN1.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(new Uint8Array(take(u32()))); break; // BINBYTES
      case 0x43: stack.push(new Uint8Array(take(u8()))); break; // SHORT_BINBYTES
      case 0x63: { const mod = line(); const name = line(); stack.push(global(`${mod}.${name}`)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const mod = pop();
        if (typeof mod !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(`${mod}.${name}`));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(call(fn, args)); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x62: pop(); top(); break; // BUILD: state of an allowed object (OrderedDict._metadata, …) is not needed
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo ${k} was never stored`);
        stack.push(memo.get(k));
        break;
      }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!o.persistentLoad) fail('persistent ids are not expected here');
        stack.push(o.persistentLoad!(pid));
        break;
      }
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
