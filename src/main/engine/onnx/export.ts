/**
 * `.onnx` files for users: any generator or discriminator, readable by every ONNX runtime
 * (onnxruntime, OpenCV DNN, TensorRT, Core ML tools, …).
 */
import { writeFileAtomic } from '../../util/atomic-write';
import { buildOnnxModel, type OnnxBuildOptions } from './build';
import type { OnnxSource } from './weights';

export interface ExportOnnxOptions extends OnnxBuildOptions {}

/**
 * Writes `model` as an ONNX file at `path`, atomically (a crash leaves the old file or the
 * new one, never a partial one). Defaults: eval-mode BatchNorm, dropout off, dynamic batch,
 * height and width. Resolves to the file's size in bytes.
 */
export async function exportOnnx(model: OnnxSource, path: string, options: ExportOnnxOptions = {}): Promise<number> {
  if (!path.toLowerCase().endsWith('.onnx')) throw new Error(`ONNX export: the file name should end with .onnx, got ${path}`);
  const bytes = buildOnnxModel(model, options);
  try {
    await writeFileAtomic(path, bytes);
  } catch (err) {
    throw new Error(`ONNX export: cannot write ${path}: ${(err as Error).message}`);
  }
  return bytes.byteLength;
}
