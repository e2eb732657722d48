import { PickleDict, PickleTuple } from './pickle';

/**
 * A protocol-2 pickle writer for the few value kinds a PyTorch state dict needs, so that
 * CPython's and PyTorch's unpicklers (including `torch.load(weights_only=True)`) read
 * what we write. Opcodes as CPython's Lib/pickle.py emits them for protocol 2.
 */

/** A reference to `module.name` (pickled as GLOBAL, memoised). */
export class PickleGlobalRef {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

/** `callable(*args)`, pickled as REDUCE. */
export class PickleCall {
  constructor(
    readonly callable: PickleGlobalRef,
    readonly args: readonly unknown[],
  ) {}
}

/** A value written as a persistent id (BINPERSID): the loader resolves it. */
export class PicklePersistentId {
  constructor(readonly pid: unknown) {}
}

const SETITEMS_BATCH = 1000; // as CPython's pickler

export function encodePickle(value: unknown): Uint8Array {
  const w = new Writer();
  w.bytes(0x80, 2); // PROTO 2
  w.value(value);
  w.bytes(0x2e); // STOP
  return w.finish();
}

class Writer {
  private chunks: Uint8Array[] = [];
  private current = new Uint8Array(1 << 16);
  private length = 0;
  private readonly globals = new Map<string, number>();
  private nextMemo = 0;

  bytes(...values: number[]): void {
    this.ensure(values.length);
    for (const v of values) this.current[this.length++] = v;
  }

  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.current.set(data, this.length);
    this.length += data.length;
  }

  finish(): Uint8Array {
    this.flush();
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  value(v: unknown): void {
    if (v === null) this.bytes(0x4e); // NONE
    else if (v === true) this.bytes(0x88); // NEWTRUE
    else if (v === false) this.bytes(0x89); // NEWFALSE
    else if (typeof v === 'number') this.number(v);
    else if (typeof v === 'bigint') this.long(v);
    else if (typeof v === 'string') this.string(v);
    else if (v instanceof PickleTuple) this.tuple(v.items);
    else if (Array.isArray(v)) this.list(v);
    else if (v instanceof PickleDict) this.dict(v);
    else if (v instanceof PickleGlobalRef) this.global(v);
    else if (v instanceof PickleCall) {
      this.global(v.callable);
      this.tuple(v.args);
      this.bytes(0x52); // REDUCE
    } else if (v instanceof PicklePersistentId) {
      this.value(v.pid);
      this.bytes(0x51); // BINPERSID
    } else {
      throw new Error(`cannot pickle a value of type ${typeof v}`);
    }
  }

  private number(v: number): void {
    if (!Number.isInteger(v)) {
      this.bytes(0x47); // BINFLOAT, big-endian
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v, false);
      this.raw(b);
    } else if (v >= 0 && v < 0x100) {
      this.bytes(0x4b, v); // BININT1
    } else if (v >= 0 && v < 0x10000) {
      this.bytes(0x4d, v & 0xff, v >>> 8); // BININT2
    } else if (v >= -0x80000000 && v <= 0x7fffffff) {
      this.bytes(0x4a, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff); // BININT
    } else {
      this.long(BigInt(v));
    }
  }

  /** LONG1: minimal little-endian two's complement. */
  private long(v: bigint): void {
    const out: number[] = [];
    let x = v;
    for (;;) {
      const byte = Number(x & 0xffn);
      out.push(byte);
      x >>= 8n;
      if ((x === 0n && !(byte & 0x80)) || (x === -1n && byte & 0x80)) break;
    }
    if (out.length > 255) throw new Error('integer too large to pickle');
    this.bytes(0x8a, out.length, ...out);
  }

  private string(s: string): void {
    const data = new TextEncoder().encode(s);
    const n = data.length;
    this.bytes(0x58, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff); // BINUNICODE
    this.raw(data);
  }

  private tuple(items: readonly unknown[]): void {
    if (items.length === 0) {
      this.bytes(0x29); // EMPTY_TUPLE
      return;
    }
    if (items.length <= 3) {
      for (const item of items) this.value(item);
      this.bytes([0x85, 0x86, 0x87][items.length - 1]!); // TUPLE1..3
      return;
    }
    this.bytes(0x28); // MARK
    for (const item of items) this.value(item);
    this.bytes(0x74); // TUPLE
  }

  private list(items: readonly unknown[]): void {
    this.bytes(0x5d); // EMPTY_LIST
    for (let i = 0; i < items.length; i += SETITEMS_BATCH) {
      this.bytes(0x28); // MARK
      for (const item of items.slice(i, i + SETITEMS_BATCH)) this.value(item);
      this.bytes(0x65); // APPENDS
    }
  }

  private dict(d: PickleDict): void {
    if (d.className === 'collections.OrderedDict') {
      this.value(new PickleCall(new PickleGlobalRef('collections', 'OrderedDict'), []));
    } else if (d.className === 'dict') {
      this.bytes(0x7d); // EMPTY_DICT
    } else {
      throw new Error(`cannot pickle a dict of class ${d.className}`);
    }
    const entries = [...d.entries];
    for (let i = 0; i < entries.length; i += SETITEMS_BATCH) {
      this.bytes(0x28); // MARK
      for (const [k, v] of entries.slice(i, i + SETITEMS_BATCH)) {
        this.value(k);
        this.value(v);
      }
      this.bytes(0x75); // SETITEMS
    }
    if (d.attributes.size > 0) {
      const state = new PickleDict();
      for (const [k, v] of d.attributes) state.entries.set(k, v);
      this.dict(state);
      this.bytes(0x62); // BUILD
    }
  }

  private global(g: PickleGlobalRef): void {
    const key = `${g.module}\n${g.name}`;
    const memo = this.globals.get(key);
    if (memo !== undefined) {
      this.get(memo);
      return;
    }
    if (g.module.includes('\n') || g.name.includes('\n')) throw new Error(`bad global name ${g.module}.${g.name}`);
    this.bytes(0x63); // GLOBAL
    this.raw(new TextEncoder().encode(`${key}\n`));
    const index = this.nextMemo++;
    this.put(index);
    this.globals.set(key, index);
  }

  private put(index: number): void {
    if (index < 0x100) this.bytes(0x71, index); // BINPUT
    else this.bytes(0x72, index & 0xff, (index >>> 8) & 0xff, (index >>> 16) & 0xff, index >>> 24); // LONG_BINPUT
  }

  private get(index: number): void {
    if (index < 0x100) this.bytes(0x68, index); // BINGET
    else this.bytes(0x6a, index & 0xff, (index >>> 8) & 0xff, (index >>> 16) & 0xff, index >>> 24); // LONG_BINGET
  }

  private ensure(n: number): void {
    if (this.length + n <= this.current.length) return;
    this.flush();
    if (n > this.current.length) this.current = new Uint8Array(n);
  }

  private flush(): void {
    if (this.length > 0) this.chunks.push(this.current.slice(0, this.length));
    this.length = 0;
  }
}
