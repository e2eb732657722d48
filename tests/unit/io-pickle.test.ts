import { describe, expect, it } from 'vitest';
import { PickleDict, PickleError, PickleSecurityError, PickleTuple, unpickle, type PickleGlobal } from '../../src/main/engine/io/pickle';
import { encodePickle, PickleCall, PickleGlobalRef } from '../../src/main/engine/io/pickle-writer';
import { findTorchGlobal } from '../../src/main/engine/io/torch-pickle';

/** Plain JS of a pickle value: tuples as { tuple }, dicts as { dict: [[k, v]…] }. */
function plain(v: unknown): unknown {
  if (v instanceof PickleTuple) return { tuple: v.items.map(plain) };
  if (v instanceof PickleDict) return { dict: [...v.entries].map(([k, x]) => [k, plain(x)]), class: v.className };
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return { bytes: [...v] };
  return v;
}

const onlyOrderedDict = (module: string, name: string): PickleGlobal | undefined =>
  module === 'collections' && name === 'OrderedDict' ? findTorchGlobal(module, name) : undefined;

/**
 * pickle.dumps(v, protocol=p).hex() by CPython 3.11 for
 * v = {'a': [1, -2, 3.5, None, True, False], 't': (1, 2, 3, 4), 't1': (7,), 'e': (),
 *      'big': 2**70, 'neg': -2**40, 'm1': -1, 'i2': 65535, 'i4': 70000, 's': 'héllo ☃',
 *      'od': OrderedDict([('x', 1), ('y', [])]), 'p': [shared, shared]}  (shared = [1, 2])
 * plus 'bytes': b'\x00\x01\xff' from protocol 3 on.
 */
const CPYTHON: Record<number, string> = {
  2: '80027d71002858010000006171015d7102284b014afeffffff47400c0000000000004e8889655801000000747103284b014b024b034b047471045802000000743171054b07857106580100000065710729580300000062696771088a0900000000000000004058030000006e656771098a060000000000ff58020000006d31710a4affffffff58020000006932710b4dffff58020000006934710c4a70110100580100000073710d580a00000068c3a96c6c6f20e29883710e58020000006f64710f63636f6c6c656374696f6e730a4f726465726564446963740a7110295271112858010000007871124b0158010000007971135d71147558010000007071155d7116285d7117284b014b0265681765752e',
  3: '80037d71002858010000006171015d7102284b014afeffffff47400c0000000000004e8889655801000000747103284b014b024b034b047471045802000000743171054b07857106580100000065710729580300000062696771088a0900000000000000004058030000006e656771098a060000000000ff58020000006d31710a4affffffff58020000006932710b4dffff58020000006934710c4a70110100580100000073710d580a00000068c3a96c6c6f20e29883710e58020000006f64710f63636f6c6c656374696f6e730a4f726465726564446963740a7110295271112858010000007871124b0158010000007971135d71147558010000007071155d7116285d7117284b014b026568176558050000006279746573711843030001ff7119752e',
  4: '800495dd000000000000007d94288c0161945d94284b014afeffffff47400c0000000000004e8889658c017494284b014b024b034b0474948c027431944b0785948c016594298c03626967948a090000000000000000408c036e6567948a060000000000ff8c026d31944affffffff8c026932944dffff8c026934944a701101008c0173948c0a68c3a96c6c6f20e29883948c026f64948c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0178944b018c0179945d94758c0170945d94285d94284b014b02656819658c0562797465739443030001ff94752e',
  5: '800595dd000000000000007d94288c0161945d94284b014afeffffff47400c0000000000004e8889658c017494284b014b024b034b0474948c027431944b0785948c016594298c03626967948a090000000000000000408c036e6567948a060000000000ff8c026d31944affffffff8c026932944dffff8c026934944a701101008c0173948c0a68c3a96c6c6f20e29883948c026f64948c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0178944b018c0179945d94758c0170945d94285d94284b014b02656819658c0562797465739443030001ff94752e',
};

function expected(protocol: number): unknown {
  const entries: Array<[string, unknown]> = [
    ['a', [1, -2, 3.5, null, true, false]],
    ['t', { tuple: [1, 2, 3, 4] }],
    ['t1', { tuple: [7] }],
    ['e', { tuple: [] }],
    ['big', 2n ** 70n],
    ['neg', -(2 ** 40)],
    ['m1', -1],
    ['i2', 65535],
    ['i4', 70000],
    ['s', 'héllo ☃'],
    ['od', { dict: [['x', 1], ['y', []]], class: 'collections.OrderedDict' }],
    ['p', [[1, 2], [1, 2]]],
  ];
  if (protocol >= 3) entries.push(['bytes', { bytes: [0, 1, 255] }]);
  return { dict: entries, class: 'dict' };
}

describe('unpickle', () => {
  for (const [protocol, hex] of Object.entries(CPYTHON)) {
    it(`reads CPython's protocol ${protocol}`, () => {
      const bytes = Buffer.from(hex, 'hex');
      const { value, end } = unpickle(bytes, { findGlobal: onlyOrderedDict });
      expect(plain(value)).toEqual(expected(Number(protocol)));
      expect(end).toBe(bytes.length);
      // Memoised objects stay shared, as in Python.
      const p = (value as PickleDict).entries.get('p') as unknown[];
      expect(p[0]).toBe(p[1]);
    });
  }

  it('reads consecutive pickles from an offset', () => {
    const a = encodePickle(1001);
    const b = encodePickle(['x']);
    const both = Buffer.concat([a, b]);
    const first = unpickle(both, { findGlobal: () => undefined });
    expect(first).toEqual({ value: 1001, end: a.length });
    expect(plain(unpickle(both, { offset: first.end, findGlobal: () => undefined }).value)).toEqual(['x']);
  });

  it('refuses globals that are not allowed, whatever opcode names them', () => {
    // GLOBAL 'builtins eval'
    const global = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cbuiltins\neval\n', 'latin1'), Buffer.from([0x2e])]);
    expect(() => unpickle(global, { findGlobal: findTorchGlobal })).toThrow(PickleSecurityError);
    expect(() => unpickle(global, { findGlobal: findTorchGlobal })).toThrow(/'builtins\.eval'/);
    // SHORT_BINUNICODE 'posix', SHORT_BINUNICODE 'system', STACK_GLOBAL
    const stack = Buffer.from([0x80, 0x04, 0x8c, 5, ...Buffer.from('posix'), 0x8c, 6, ...Buffer.from('system'), 0x93, 0x2e]);
    expect(() => unpickle(stack, { findGlobal: findTorchGlobal })).toThrow(/'posix\.system'/);
  });

  it('only calls allowed callables, and refuses BUILD on anything but a dict', () => {
    // torch.FloatStorage is allowed as a value, not as a callable.
    const callStorage = encodePickle(new PickleCall(new PickleGlobalRef('torch', 'FloatStorage'), [3]));
    expect(() => unpickle(callStorage, { findGlobal: findTorchGlobal })).toThrow(/torch\.FloatStorage cannot be called/);
    // EMPTY_LIST, EMPTY_DICT, BUILD
    const build = Buffer.from([0x80, 0x02, 0x5d, 0x7d, 0x62, 0x2e]);
    expect(() => unpickle(build, { findGlobal: findTorchGlobal })).toThrow(/BUILD on a list is not supported/);
  });

  it('keeps attributes set through BUILD on a dict (OrderedDict._metadata)', () => {
    const od = new PickleDict('collections.OrderedDict');
    od.entries.set('w', 1);
    const meta = new PickleDict('collections.OrderedDict');
    meta.entries.set('', new PickleDict());
    od.attributes.set('_metadata', meta);
    const value = unpickle(encodePickle(od), { findGlobal: findTorchGlobal }).value as PickleDict;
    expect([...value.entries]).toEqual([['w', 1]]);
    expect(value.attributes.get('_metadata')).toBeInstanceOf(PickleDict);
  });

  it('gives clear errors for broken pickles', () => {
    const cases: Array<[number[], RegExp]> = [
      [[0x80, 0x02, 0x4b], /truncated pickle/],
      [[0x80, 0x02, 0x4b, 0x01], /truncated pickle/],
      [[0x80, 0x02, 0x58, 0xff, 0xff, 0, 0, 0x61], /length 65535 runs past the end/],
      [[0x80, 0x02, 0x68, 0x05, 0x2e], /memo entry 5 was never stored/],
      [[0x80, 0x02, 0x61, 0x2e], /stack underflow/],
      [[0x80, 0x02, 0x74, 0x2e], /no MARK on the stack/],
      [[0x80, 0x02, 0x4b, 1, 0x4b, 2, 0x2e], /STOP with 2 values on the stack/],
      [[0x80, 0x02, 0xff, 0x2e], /unsupported pickle opcode 0xff/],
      [[0x80, 0x09, 0x2e], /unsupported pickle protocol/],
      [[0x7b, 0x22], /not a pickle/],
      [[0x80, 0x02, 0x8c, 2, 0xc3, 0x28, 0x2e], /invalid UTF-8/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => unpickle(Uint8Array.from(bytes), { findGlobal: findTorchGlobal }), message.source).toThrow(PickleError);
      expect(() => unpickle(Uint8Array.from(bytes), { findGlobal: findTorchGlobal }), message.source).toThrow(message);
    }
  });
});

describe('encodePickle', () => {
  it('round-trips the value kinds a state dict uses', () => {
    const od = new PickleDict('collections.OrderedDict');
    for (let i = 0; i < 1500; i++) od.entries.set(`layer.${i}.weight`, i * (i % 2 ? -70001 : 3));
    const value = new PickleTuple([null, true, false, 0, 255, 256, 65535, 65536, -1, 2 ** 31, -(2 ** 31) - 1, 2n ** 80n, -(2n ** 80n), 0.1, 'ünï', [], [od], new PickleTuple([1, 2, 3, 4, 5])]);
    const back = unpickle(encodePickle(value), { findGlobal: findTorchGlobal }).value;
    expect(plain(back)).toEqual(plain(value));
  });
});
