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

export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly initializerNames = new Set<string>();
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly usedNames = new Map<string, number>();

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

  /** A float32 constant; the values are referenced, not copied, until `encode`. */
  floatInitializer(name: string, dims: readonly number[], values: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`initializer ${name}: ${values.length} values for shape [${dims.join(', ')}]`);
    return this.addInitializer({ name, dims: [...dims], dataType: FLOAT, rawData: bytesOf(values) });
  }

  /** An int64 vector constant (pads, axes, shapes). */
  int64Initializer(name: string, values: readonly number[]): string {
    return this.addInitializer({ name, dims: [values.length], dataType: INT64, rawData: bytesOf(BigInt64Array.from(values, BigInt)) });
  }

  /** Whether an initializer of that name exists (for constants shared between nodes). */
  hasInitializer(name: string): boolean {
    return this.initializerNames.has(name);
  }

  private addInitializer(t: OnnxTypes.ITensorProto): string {
    const name = t.name!;
    if (this.initializerNames.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.initializerNames.add(name);
    this.usedNames.set(name, 1);
    this.initializers.push(t);
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

  /** The ModelProto's bytes. */
  encode(graphName: string, meta: ModelMetadata): Uint8Array {
    const model: OnnxTypes.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'Atelier',
      producerVersion: meta.producerVersion,
      docString: meta.docString,
      metadataProps: Object.entries(meta.props).map(([key, value]) => ({ key, value })),
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    const bytes = onnx.ModelProto.encode(model).finish();
    // protobufjs hands back a Buffer in Node; callers get a plain view of the same memory.
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
