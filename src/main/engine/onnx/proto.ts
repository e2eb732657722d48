/**
 * The ONNX protobuf schema (onnx-proto: protobufjs classes generated from onnx.proto). The
 * package is CommonJS whose `module.exports` is the protobufjs root, so it is reached
 * through the default import.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;

/** IR version 8 (onnx 1.10–1.12, which introduced opset 17); every runtime since 2022 reads it. */
export const IR_VERSION = 8;
/** Opset 17: Pad takes its pads as an input (reflect mode), BatchNormalization has no spatial attribute. */
export const OPSET = 17;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
