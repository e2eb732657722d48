/**
 * A framework-free tensor as it is stored on disk (.pth, .npy, our checkpoints): dtype,
 * shape in the file's own layout (PyTorch: NCHW, conv weights [out, in, kH, kW]) and the
 * raw values. The engine converts to TF.js layouts only where it builds networks.
 */
export type TensorDType = 'float32' | 'float64' | 'float16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export type TensorValues = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

export interface TensorData {
  dtype: TensorDType;
  shape: number[];
  /** Row-major (C order) values. float16 is kept as raw Uint16Array bits. */
  data: TensorValues;
}

/** An ordered state dict: key order is the file's order (registration order in PyTorch). */
export type StateDict = Map<string, TensorData>;
