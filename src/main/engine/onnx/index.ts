export { buildOnnxModel, buildOnnxModelExternal, dropoutMaskName, ONNX_INPUT, ONNX_OUTPUT, type OnnxBuildOptions, type OnnxDropout } from './build';
export { exportOnnx, type ExportOnnxOptions } from './export';
export { weightReader, type OnnxSource } from './weights';
export { dropoutSites, type DropoutSite } from './shapes';
export {
  ACCELERATED_PROVIDERS,
  OnnxRuntimeUnavailable,
  createSession,
  loadOnnxRuntime,
  probeOnnxRuntime,
  type OnnxProvider,
  type OnnxRuntimeInfo,
  type ProviderAttempt,
  type SessionModel,
  type SessionOptions,
} from './session';
export { OnnxGenerator, onnxGeneratorFor, releaseOnnxGenerator, type FixedWeights, type RunMode, type RunnerSource } from './runner';
export {
  INFERENCE_PREFERENCES,
  chooseInferenceEngine,
  generatorForward,
  withInferenceEngine,
  type GeneratorForward,
  type InferenceEngine,
  type InferenceEngineName,
  type InferenceEnginePreference,
} from './engine';
