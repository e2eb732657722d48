import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../util/atomic-write';
import { elementSize, checkTensorData, shapeSize, typedArrayFromBytes, valueBytes, isValidShape } from './dtype';
import type { TensorData, TensorDType } from './tensor-data';

/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0; see numpy/lib/format.py): the magic
 * `\x93NUMPY`, a version, a little-endian header length (2 bytes in 1.0, 4 after), a
 * Python dict literal {'descr', 'fortran_order', 'shape'} padded to 64 bytes, then the
 * raw values in C order.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
// numpy pads the header so that the first axis can grow in place to this many digits.
const GROWTH_AXIS_MAX_DIGITS = 21;

const DESCR_DTYPE: Record<string, TensorDType> = {
  f4: 'float32',
  f8: 'float64',
  f2: 'float16',
  i8: 'int64',
  i4: 'int32',
  i2: 'int16',
  i1: 'int8',
  u1: 'uint8',
  b1: 'bool',
};

const DTYPE_DESCR: Record<TensorDType, string> = {
  float32: '<f4',
  float64: '<f8',
  float16: '<f2',
  int64: '<i8',
  int32: '<i4',
  int16: '<i2',
  int8: '|i1',
  uint8: '|u1',
  bool: '|b1',
};

export class NpyFormatError extends Error {
  override name = 'NpyFormatError';
}

export async function readNpy(path: string): Promise<TensorData> {
  const bytes = await readFile(path);
  try {
    return parseNpy(bytes);
  } catch (err) {
    if (err instanceof NpyFormatError) throw new NpyFormatError(`${path}: ${err.message}`);
    throw err;
  }
}

export function parseNpy(bytes: Uint8Array): TensorData {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyFormatError('not a .npy file (missing the \\x93NUMPY magic)');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyFormatError('truncated header');
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new NpyFormatError(`unsupported format version ${major}.${minor}`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    throw new NpyFormatError(`truncated header: it claims ${headerLength} bytes, the file has ${bytes.length - headerStart}`);
  }
  // Versions 1 and 2 store the header as latin-1, version 3 as UTF-8.
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const header = parseHeader(headerText);

  const { dtype, bigEndian } = parseDescr(header.descr);
  if (header.fortranOrder) {
    throw new NpyFormatError('fortran_order is True: only C-order arrays are supported (save with np.ascontiguousarray)');
  }
  const count = shapeSize(header.shape);
  const byteLength = count * elementSize(dtype);
  const available = bytes.length - dataStart;
  if (available < byteLength) {
    throw new NpyFormatError(
      `truncated data: shape (${header.shape.join(', ')}) of ${dtype} needs ${byteLength} bytes, the file has ${available}`,
    );
  }
  if (available > byteLength) {
    throw new NpyFormatError(`${available - byteLength} unexpected bytes after the data of shape (${header.shape.join(', ')})`);
  }
  const data = typedArrayFromBytes(dtype, bytes.subarray(dataStart, dataStart + byteLength), bigEndian);
  return { dtype, shape: header.shape, data };
}

export function encodeNpy(t: TensorData): Uint8Array {
  checkTensorData('encodeNpy', t.dtype, t.shape, t.data);
  const shapeRepr = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let dict = `{'descr': '${DTYPE_DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (t.shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(t.shape[0]).length);
  // As numpy: version 1.0 unless the header does not fit a 2-byte length.
  let prefixLength = 10;
  let padded = pad(dict, prefixLength);
  if (padded.length > 0xffff) {
    prefixLength = 12;
    padded = pad(dict, prefixLength);
  }
  const out = new Uint8Array(prefixLength + padded.length + t.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = prefixLength === 10 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (prefixLength === 10) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[prefixLength + i] = padded.charCodeAt(i);
  out.set(valueBytes(t.data), prefixLength + padded.length);
  return out;
}

/** Write a .npy file atomically (temp file, fsync, rename). */
export async function writeNpy(path: string, t: TensorData): Promise<void> {
  await writeFileAtomic(path, encodeNpy(t));
}

/** numpy's _wrap_header: spaces then '\n' so that the data start is 64-byte aligned. */
function pad(dict: string, prefixLength: number): string {
  const withNewline = dict.length + 1;
  const padding = ARRAY_ALIGN - ((prefixLength + withNewline) % ARRAY_ALIGN);
  return dict + ' '.repeat(padding) + '\n';
}

function parseDescr(descr: unknown): { dtype: TensorDType; bigEndian: boolean } {
  if (typeof descr !== 'string') {
    throw new NpyFormatError(`structured dtype ${JSON.stringify(descr)} is not supported`);
  }
  const match = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(descr);
  const dtype = match ? DESCR_DTYPE[match[2]!] : undefined;
  if (!match || !dtype) {
    throw new NpyFormatError(`unsupported dtype '${descr}' (supported: f2 f4 f8 i1 i2 i4 i8 u1 b1)`);
  }
  // '=' is the writer's native order; numpy writes '<' or '>' explicitly, so treat it as '<'.
  return { dtype, bigEndian: match[1] === '>' && elementSize(dtype) > 1 };
}

interface NpyHeader {
  descr: unknown;
  fortranOrder: boolean;
  shape: number[];
}

function parseHeader(text: string): NpyHeader {
  let value: unknown;
  try {
    value = new LiteralParser(text).parseDocument();
  } catch (err) {
    throw new NpyFormatError(`malformed header ${JSON.stringify(text.trim())}: ${(err as Error).message}`);
  }
  if (!(value instanceof Map)) throw new NpyFormatError(`header is not a dict: ${JSON.stringify(text.trim())}`);
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!value.has(key)) throw new NpyFormatError(`header lacks '${key}': ${JSON.stringify(text.trim())}`);
  }
  const fortranOrder = value.get('fortran_order');
  const shape = value.get('shape');
  if (typeof fortranOrder !== 'boolean') throw new NpyFormatError(`fortran_order must be True or False`);
  if (!Array.isArray(shape) || !isValidShape(shape)) {
    throw new NpyFormatError(`shape must be a tuple of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return { descr: value.get('descr'), fortranOrder, shape };
}

/**
 * The subset of Python literals numpy writes in a header: dicts, tuples, lists, strings,
 * integers (Python 2 'L' suffix accepted), True/False/None. Never evaluated as code.
 */
class LiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos !== this.text.length) throw new Error(`unexpected '${this.text[this.pos]}' at ${this.pos}`);
    return value;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private parseValue(): unknown {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) throw new Error('unexpected end');
    if (c === '{') return this.parseDict();
    if (c === '(') return this.parseSequence(')');
    if (c === '[') return this.parseSequence(']');
    if (c === "'" || c === '"') return this.parseString();
    const word = /^(True|False|None|-?\d+L?)/.exec(this.text.slice(this.pos));
    if (!word) throw new Error(`unexpected '${c}' at ${this.pos}`);
    this.pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    const n = Number(word[0].replace('L', ''));
    if (!Number.isSafeInteger(n)) throw new Error(`integer ${word[0]} out of range`);
    return n;
  }

  private parseDict(): Map<unknown, unknown> {
    const out = new Map<unknown, unknown>();
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.parseValue();
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw new Error(`expected ':' at ${this.pos}`);
      this.pos++;
      out.set(key, this.parseValue());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') throw new Error(`expected ',' or '}' at ${this.pos}`);
    }
  }

  private parseSequence(close: string): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.parseValue());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) throw new Error(`expected ',' or '${close}' at ${this.pos}`);
    }
  }

  private parseString(): string {
    const quote = this.text[this.pos]!;
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) throw new Error('unterminated string');
    const s = this.text.slice(this.pos + 1, end);
    if (s.includes('\\')) throw new Error('escapes in strings are not supported');
    this.pos = end + 1;
    return s;
  }
}
