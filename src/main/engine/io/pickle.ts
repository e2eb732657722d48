/**
 * A small, safe reader for Python pickles (protocols 0–5, binary opcodes), enough for
 * PyTorch checkpoints. It never runs Python: GLOBAL/STACK_GLOBAL names are resolved
 * through a caller-supplied allow-list, and REDUCE/NEWOBJ/BUILD only ever call the
 * TypeScript functions that list provides. Anything else is refused with an error that
 * names the offending global. Opcode semantics follow CPython's Lib/pickle.py.
 */

/** A Python tuple (kept distinct from a list, which is a plain JS array). */
export class PickleTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** A Python dict / OrderedDict, in insertion order, plus attributes set through BUILD. */
export class PickleDict {
  readonly entries = new Map<unknown, unknown>();
  readonly attributes = new Map<string, unknown>();
  constructor(readonly className = 'dict') {}
}

/** A global the allow-list resolved. `call` makes it usable with REDUCE and NEWOBJ. */
export interface PickleGlobal {
  readonly module: string;
  readonly name: string;
  readonly call?: (args: readonly unknown[]) => unknown;
}

export interface UnpickleOptions {
  /** Byte offset where the pickle starts (files may hold several in a row). */
  offset?: number;
  /** Resolve `module.name`; return undefined to refuse it. */
  findGlobal: (module: string, name: string) => PickleGlobal | undefined;
  /** Resolve a persistent id (BINPERSID); required when the pickle uses one. */
  persistentLoad?: (pid: unknown) => unknown;
  /** How many bytes may be read: defaults to the end of the buffer. */
  end?: number;
}

export class PickleError extends Error {
  override name = 'PickleError';
}

/** Raised when a pickle names a global that is not on the allow-list. */
export class PickleSecurityError extends PickleError {
  override name = 'PickleSecurityError';
  constructor(
    readonly module: string,
    readonly globalName: string,
  ) {
    super(`refusing to load global '${module}.${globalName}': it is not on the allow-list of types a checkpoint may use`);
  }
}

const MARK = Symbol('mark');

export interface UnpickleResult {
  value: unknown;
  /** Offset just past the STOP opcode. */
  end: number;
}

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): UnpickleResult {
  return new Unpickler(bytes, options).load();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

class Unpickler {
  private pos: number;
  private readonly end: number;
  private readonly view: DataView;
  private stack: unknown[] = [];
  private readonly metastack: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.pos = options.offset ?? 0;
    this.end = options.end ?? bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  load(): UnpickleResult {
    const start = this.pos;
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: // PROTO
          if (this.u8() > 5) throw this.error(at, 'unsupported pickle protocol');
          break;
        case 0x95: // FRAME: a length hint only
          this.take(8);
          break;
        case 0x2e: // STOP
          if (this.stack.length !== 1) throw this.error(at, `STOP with ${this.stack.length} values on the stack`);
          return { value: this.stack[0], end: this.pos };
        case 0x28: // MARK
          this.metastack.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          if (this.stack.length > 0) this.stack.pop();
          else this.popMark(at);
          break;
        case 0x31: // POP_MARK
          this.popMark(at);
          break;
        case 0x32: // DUP
          this.push(this.top(at));
          break;

        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.view.getUint16(this.advance(2), true));
          break;
        case 0x4a: // BININT
          this.push(this.view.getInt32(this.advance(4), true));
          break;
        case 0x8a: // LONG1
          this.push(this.longFrom(this.take(this.u8())));
          break;
        case 0x8b: // LONG4
          this.push(this.longFrom(this.take(this.lengthU32(at))));
          break;
        case 0x47: // BINFLOAT (big-endian double)
          this.push(this.view.getFloat64(this.advance(8), false));
          break;
        case 0x49: // INT (text): also encodes booleans as 00/01
          this.push(this.parseTextInt(this.readLine(at), at));
          break;
        case 0x4c: // LONG (text)
          this.push(this.parseTextInt(this.readLine(at).replace(/L$/, ''), at));
          break;
        case 0x46: // FLOAT (text)
          this.push(Number(this.readLine(at)));
          break;

        case 0x58: // BINUNICODE
          this.push(this.decodeUtf8(this.take(this.lengthU32(at)), at));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.decodeUtf8(this.take(this.u8()), at));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.decodeUtf8(this.take(this.lengthU64(at)), at));
          break;
        // Python 2 `str` (bytes): PyTorch reads them as text (latin-1, as encoding='latin1').
        case 0x54: // BINSTRING
          this.push(latin1.decode(this.take(this.lengthU32(at))));
          break;
        case 0x55: // SHORT_BINSTRING
          this.push(latin1.decode(this.take(this.u8())));
          break;
        case 0x42: // BINBYTES
          this.push(this.take(this.lengthU32(at)).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.take(this.u8()).slice());
          break;
        case 0x8e: // BINBYTES8
          this.push(this.take(this.lengthU64(at)).slice());
          break;

        case 0x29: // EMPTY_TUPLE
          this.push(new PickleTuple([]));
          break;
        case 0x85: // TUPLE1
          this.push(new PickleTuple(this.popN(1, at)));
          break;
        case 0x86: // TUPLE2
          this.push(new PickleTuple(this.popN(2, at)));
          break;
        case 0x87: // TUPLE3
          this.push(new PickleTuple(this.popN(3, at)));
          break;
        case 0x74: // TUPLE
          this.push(new PickleTuple(this.popMark(at)));
          break;
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark(at));
          break;
        case 0x61: {
          // APPEND
          const item = this.pop(at);
          this.appendTo(this.top(at), [item], at);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark(at);
          this.appendTo(this.top(at), items, at);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new PickleDict());
          break;
        case 0x64: {
          // DICT
          const items = this.popMark(at);
          const dict = new PickleDict();
          this.setItems(dict, items, at);
          this.push(dict);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = this.pop(at);
          const key = this.pop(at);
          this.setItems(this.top(at), [key, value], at);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark(at);
          this.setItems(this.top(at), items, at);
          break;
        }

        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = this.readLine(at);
          const name = this.readLine(at);
          this.push(this.resolveGlobal(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop(at);
          const module = this.pop(at);
          if (typeof module !== 'string' || typeof name !== 'string') throw this.error(at, 'STACK_GLOBAL needs two strings');
          this.push(this.resolveGlobal(module, name));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop(at);
          const callable = this.pop(at);
          this.push(this.call(callable, args, at));
          break;
        }
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args); only allow-listed globals that define `call`
          const args = this.pop(at);
          const cls = this.pop(at);
          this.push(this.call(cls, args, at));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop(at);
          this.build(this.top(at), state, at);
          break;
        }
        case 0x51: {
          // BINPERSID
          const pid = this.pop(at);
          if (!this.options.persistentLoad) throw this.error(at, 'persistent id found but no persistent loader given');
          this.push(this.options.persistentLoad(pid));
          break;
        }

        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top(at));
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.view.getUint32(this.advance(4), true), this.top(at));
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top(at));
          break;
        case 0x70: // PUT (text)
          this.memo.set(this.parseTextInt(this.readLine(at), at) as number, this.top(at));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8(), at));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.view.getUint32(this.advance(4), true), at));
          break;
        case 0x67: // GET (text)
          this.push(this.memoGet(this.parseTextInt(this.readLine(at), at) as number, at));
          break;

        default:
          throw this.error(
            at,
            this.pos - 1 === start && op !== 0x80
              ? `not a pickle (first byte 0x${op.toString(16).padStart(2, '0')})`
              : `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`,
          );
      }
    }
  }

  private error(at: number, message: string): PickleError {
    return new PickleError(`${message} (pickle byte ${at})`);
  }

  private u8(): number {
    if (this.pos >= this.end) throw new PickleError(`truncated pickle: it ends at byte ${this.end} before STOP`);
    return this.bytes[this.pos++]!;
  }

  /** Reserve n bytes and return their start. */
  private advance(n: number): number {
    if (this.pos + n > this.end) throw new PickleError(`truncated pickle: it ends at byte ${this.end} before STOP`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private take(n: number): Uint8Array {
    const at = this.advance(n);
    return this.bytes.subarray(at, at + n);
  }

  private lengthU32(at: number): number {
    const n = this.view.getUint32(this.advance(4), true);
    if (this.pos + n > this.end) throw this.error(at, `length ${n} runs past the end of the data`);
    return n;
  }

  private lengthU64(at: number): number {
    const n = this.view.getBigUint64(this.advance(8), true);
    if (n > BigInt(this.end - this.pos)) throw this.error(at, `length ${n} runs past the end of the data`);
    return Number(n);
  }

  private readLine(at: number): string {
    const nl = this.bytes.indexOf(0x0a, this.pos);
    if (nl < 0 || nl >= this.end) throw this.error(at, 'unterminated text argument');
    const line = latin1.decode(this.bytes.subarray(this.pos, nl));
    this.pos = nl + 1;
    return line;
  }

  private decodeUtf8(bytes: Uint8Array, at: number): string {
    try {
      return utf8.decode(bytes);
    } catch {
      throw this.error(at, 'invalid UTF-8 in a string');
    }
  }

  /** Little-endian two's complement of any length; a number when it fits exactly. */
  private longFrom(bytes: Uint8Array): number | bigint {
    if (bytes.length === 0) return 0;
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
    if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private parseTextInt(text: string, at: number): number | boolean | bigint {
    if (text === '00') return false;
    if (text === '01') return true;
    if (!/^-?\d+$/.test(text)) throw this.error(at, `bad integer '${text}'`);
    const v = BigInt(text);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private push(v: unknown): void {
    this.stack.push(v);
  }

  private pop(at: number): unknown {
    if (this.stack.length === 0) throw this.error(at, 'stack underflow');
    return this.stack.pop();
  }

  private top(at: number): unknown {
    if (this.stack.length === 0) throw this.error(at, 'stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private popN(n: number, at: number): unknown[] {
    if (this.stack.length < n) throw this.error(at, 'stack underflow');
    return this.stack.splice(this.stack.length - n, n);
  }

  private popMark(at: number): unknown[] {
    const items = this.stack;
    const previous = this.metastack.pop();
    if (!previous) throw this.error(at, 'no MARK on the stack');
    this.stack = previous;
    return items;
  }

  private memoGet(index: number, at: number): unknown {
    if (!this.memo.has(index)) throw this.error(at, `memo entry ${index} was never stored`);
    return this.memo.get(index);
  }

  private appendTo(target: unknown, items: unknown[], at: number): void {
    if (!Array.isArray(target)) throw this.error(at, 'APPEND to something that is not a list');
    for (const item of items) target.push(item);
  }

  private setItems(target: unknown, items: unknown[], at: number): void {
    if (!(target instanceof PickleDict)) throw this.error(at, 'SETITEM on something that is not a dict');
    if (items.length % 2 !== 0) throw this.error(at, 'odd number of items for a dict');
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      if (key !== null && typeof key === 'object') throw this.error(at, 'only str, int, float, bool and None dict keys are supported');
      target.entries.set(key, items[i + 1]);
    }
  }

  private resolveGlobal(module: string, name: string): PickleGlobal {
    const resolved = this.options.findGlobal(module, name);
    if (!resolved) throw new PickleSecurityError(module, name);
    return resolved;
  }

  private call(callable: unknown, args: unknown, at: number): unknown {
    if (!isPickleGlobal(callable) || !callable.call) {
      throw this.error(at, `${describe(callable)} cannot be called`);
    }
    if (!(args instanceof PickleTuple)) throw this.error(at, `arguments of ${callable.module}.${callable.name} are not a tuple`);
    return callable.call(args.items);
  }

  /** BUILD on a dict stores attributes (`OrderedDict._metadata` in PyTorch state dicts). */
  private build(target: unknown, state: unknown, at: number): void {
    if (!(target instanceof PickleDict)) throw this.error(at, `BUILD on ${describe(target)} is not supported`);
    // state is a dict of attributes, or (dict | None, slot-state dict | None).
    const parts = state instanceof PickleTuple ? state.items : [state];
    for (const part of parts) {
      if (part === null) continue;
      if (!(part instanceof PickleDict)) throw this.error(at, `BUILD with ${describe(part)} state is not supported`);
      for (const [k, v] of part.entries) {
        if (typeof k !== 'string') throw this.error(at, 'attribute names must be strings');
        target.attributes.set(k, v);
      }
    }
  }
}

export function isPickleGlobal(v: unknown): v is PickleGlobal {
  return typeof v === 'object' && v !== null && typeof (v as PickleGlobal).module === 'string' && typeof (v as PickleGlobal).name === 'string';
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (isPickleGlobal(v)) return `${v.module}.${v.name}`;
  if (v instanceof PickleTuple) return 'a tuple';
  if (v instanceof PickleDict) return 'a dict';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}
