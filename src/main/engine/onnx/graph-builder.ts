/**
 * Accumulates an ONNX graph: nodes in topological order (each output named once),
 * initializers, inputs and outputs, then encodes the model. Knows nothing about networks.
 */
import type { onnx as OnnxTypes } from 'onnx-proto';
import { FLOAT, INT64, IR_VERSION, OPSET, onnx } from './proto';

type Attribute = OnnxTypes.IAttributeProto;
const AttributeType = onnx.AttributeProto.AttributeType;

/** Typed attribute constructors: ONNX distinguishes int and float attributes. */
export const attr = {
  int: (name: string, i: number): Attribute => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: readonly number[]): Attribute => ({ name, type: AttributeType.INTS, ints: [...ints] }),
  float: (name: string, f: number): Attribute => ({ name, type: AttributeType.FLOAT, f }),
  string: (name: string, s: string): Attribute => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
};

/** A dimension: a fixed size, or a name for a size known only at run time. */
export type Dim = number | string;

export interface ModelMetadata {
  producerVersion: string;
  docString: string;
  /** Key/value pairs readers can query (onnxruntime: `session.metadata`-like tools, Netron). */
  props: Record<string, string>;
}

function bytesOf(values: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** An initializer: its header (name, dims, type) and its raw bytes, produced when encoding. */
interface Initializer {
  header: OnnxTypes.ITensorProto;
  byteLength: number;
  bytes: () => Uint8Array;
}

/** Bytes of `v` as a protobuf varint. */
function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

// Field numbers in onnx.proto: ModelProto.graph = 7, GraphProto.initializer = 5,
// TensorProto.raw_data = 9; all length-delimited (wire type 2).
const MODEL_GRAPH_TAG = (7 << 3) | 2;
const GRAPH_INITIALIZER_TAG = (5 << 3) | 2;
const TENSOR_RAW_DATA_TAG = (9 << 3) | 2;

function valueInfo(name: string, dims: readonly Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** An external data file held in memory: the name initializers give as their location, and its bytes. */
export interface ExternalFile {
  path: string;
  data: Uint8Array;
}

/** A file name for an initializer's external data: its name made safe, numbered to stay unique. */
function externalFileName(name: string, index: number): string {
  return `${index}_${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.bin`;
}

export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly initializerNames = new Set<string>();
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly usedNames = new Map<string, number>();
  /** Operator domains other than ONNX's that nodes use (imported at version 1). */
  private readonly domains = new Set<string>();

  /** A name not used before in this graph, derived from `base`. */
  private unique(base: string): string {
    const n = this.usedNames.get(base) ?? 0;
    this.usedNames.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  /** A float32 graph input. */
  input(name: string, dims: readonly Dim[]): string {
    this.usedNames.set(name, 1);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Declares `value` (a node output) as the graph output `name`. */
  output(value: string, name: string, dims: readonly Dim[]): void {
    if (value !== name) this.node('Identity', [value], [], name, name);
    this.outputs.push(valueInfo(name, dims));
  }

  /**
   * A float32 constant. `values` may be a function: it is then called while encoding and
   * its result copied straight into the model's bytes, so that large weights are never
   * held twice.
   */
  floatInitializer(name: string, dims: readonly number[], values: Float32Array | (() => Float32Array)): string {
    const size = dims.reduce((a, b) => a * b, 1);
    const bytes = () => {
      const v = typeof values === 'function' ? values() : values;
      if (v.length !== size) throw new Error(`initializer ${name}: ${v.length} values for shape [${dims.join(', ')}]`);
      return bytesOf(v);
    };
    if (typeof values !== 'function') bytes();
    return this.addInitializer({ name, dims: [...dims], dataType: FLOAT }, size * 4, bytes);
  }

  /** An int64 vector constant (pads, axes, shapes). */
  int64Initializer(name: string, values: readonly number[]): string {
    const data = bytesOf(BigInt64Array.from(values, BigInt));
    return this.addInitializer({ name, dims: [values.length], dataType: INT64 }, data.byteLength, () => data);
  }

  /** An int64 vector constant shared by name between nodes: the one already added, or a new one. */
  sharedInt64(name: string, values: readonly number[]): string {
    return this.hasInitializer(name) ? name : this.int64Initializer(name, values);
  }

  /** Whether an initializer of that name exists (for constants shared between nodes). */
  hasInitializer(name: string): boolean {
    return this.initializerNames.has(name);
  }

  private addInitializer(header: OnnxTypes.ITensorProto, byteLength: number, bytes: () => Uint8Array): string {
    const name = header.name!;
    if (this.initializerNames.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.initializerNames.add(name);
    this.usedNames.set(name, 1);
    this.initializers.push({ header, byteLength, bytes });
    return name;
  }

  /**
   * Appends a node and returns the name of its (single) output. `nodeName` names the node
   * (the reference's module path where there is one, so profiles read like the network).
   */
  node(opType: string, inputs: readonly string[], attributes: readonly Attribute[] = [], nodeName = opType, outputName?: string): string {
    const output = outputName ?? this.unique(`${nodeName}/${opType}`);
    if (outputName) this.usedNames.set(outputName, 1);
    this.nodes.push({ opType, input: [...inputs], output: [output], attribute: [...attributes], name: this.unique(`${nodeName}:${opType}`) });
    return output;
  }

  /**
   * A node of an operator domain other than ONNX's (ONNX Runtime's contrib operators:
   * 'com.microsoft'); the model imports that domain at version 1.
   */
  domainNode(domain: string, opType: string, inputs: readonly string[], attributes: readonly Attribute[] = []): string {
    const output = this.node(opType, inputs, attributes);
    this.nodes[this.nodes.length - 1]!.domain = domain;
    this.domains.add(domain);
    return output;
  }

  /**
   * The ModelProto's bytes. Written in one buffer of the final size: protobufjs encodes
   * everything but the initializers' raw data, which is copied in place tensor by tensor
   * (protobuf fields may come in any order, so each TensorProto is its header followed by
   * its raw_data field).
   */
  encode(graphName: string, meta: ModelMetadata): Uint8Array {
    return this.encodeModel(
      graphName,
      meta,
      this.initializers.map((init) => ({ head: onnx.TensorProto.encode(init.header).finish(), raw: init })),
    );
  }

  /**
   * The model with the initializers of at least `minBytes` bytes as external data, for a
   * runtime that takes such files from memory (ONNX Runtime's `externalData` session
   * option): the graph's bytes name each one's file (`location`, unique per initializer) and
   * stay small; `externalData` holds each file's contents, the initializer's values as
   * produced (a state_dict's float32 entries are their own arrays: nothing is copied here).
   */
  encodeExternal(graphName: string, meta: ModelMetadata, minBytes = 1024): { model: Uint8Array; externalData: ExternalFile[] } {
    const externalData: ExternalFile[] = [];
    const tensors = this.initializers.map((init) => {
      if (init.byteLength < minBytes) return { head: onnx.TensorProto.encode(init.header).finish(), raw: init };
      const path = externalFileName(init.header.name!, externalData.length);
      const data = init.bytes();
      if (data.byteLength !== init.byteLength) throw new Error(`initializer ${init.header.name}: ${data.byteLength} bytes, expected ${init.byteLength}`);
      externalData.push({ path, data });
      const header: OnnxTypes.ITensorProto = {
        ...init.header,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: path },
          { key: 'offset', value: '0' },
          { key: 'length', value: String(init.byteLength) },
        ],
      };
      return { head: onnx.TensorProto.encode(header).finish() };
    });
    return { model: this.encodeModel(graphName, meta, tensors), externalData };
  }

  private encodeModel(graphName: string, meta: ModelMetadata, initializers: { head: Uint8Array; raw?: Initializer }[]): Uint8Array {
    const modelHead = onnx.ModelProto.encode({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      producerName: 'Atelier',
      producerVersion: meta.producerVersion,
      docString: meta.docString,
      metadataProps: Object.entries(meta.props).map(([key, value]) => ({ key, value })),
    }).finish();
    const graphHead = onnx.GraphProto.encode({ name: graphName, node: this.nodes, input: this.inputs, output: this.outputs }).finish();
    const tensors = initializers.map(({ head, raw }) => {
      const length = head.length + (raw ? 1 + varintLength(raw.byteLength) + raw.byteLength : 0);
      return { head, raw, length };
    });
    const graphLength = graphHead.length + tensors.reduce((n, t) => n + 1 + varintLength(t.length) + t.length, 0);
    const total = modelHead.length + 1 + varintLength(graphLength) + graphLength;
    if (total > 2 ** 31 - 1) throw new Error(`the ONNX model would be ${total} bytes: protobuf files are limited to 2 GiB`);

    const out = new Uint8Array(total);
    out.set(modelHead, 0);
    let pos = modelHead.length;
    out[pos++] = MODEL_GRAPH_TAG;
    pos = writeVarint(out, pos, graphLength);
    out.set(graphHead, pos);
    pos += graphHead.length;
    for (const { head, raw, length } of tensors) {
      out[pos++] = GRAPH_INITIALIZER_TAG;
      pos = writeVarint(out, pos, length);
      out.set(head, pos);
      pos += head.length;
      if (!raw) continue;
      out[pos++] = TENSOR_RAW_DATA_TAG;
      pos = writeVarint(out, pos, raw.byteLength);
      const data = raw.bytes();
      if (data.byteLength !== raw.byteLength) throw new Error(`initializer ${raw.header.name}: ${data.byteLength} bytes, expected ${raw.byteLength}`);
      out.set(data, pos);
      pos += data.byteLength;
    }
    if (pos !== total) throw new Error(`ONNX encoder wrote ${pos} of ${total} bytes`);
    return out;
  }
}
