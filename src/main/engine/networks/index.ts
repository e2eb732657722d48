export * from './options';
export * from './spec';
export { unetSpec, resnetSpec, type UnetConfig, type ResnetConfig } from './generators';
export { nLayerSpec, pixelSpec, type NLayerConfig, type PixelConfig } from './discriminators';
export { generatorSpec, discriminatorSpec, defineG, defineD, type DefineOptions } from './define';
export { Network, describeOptions, type LoadOptions, type ForwardMode } from './network';
export { forward, type ForwardContext } from './executor';
export { initialValues, Rng } from './init';
export { tfShape, toTfLayout, toTorchLayout } from './layout';
export {
  StateDictError,
  compareStateDict,
  patchInstanceNormStateDict,
  type ShapeMismatch,
  type StateDictComparison,
} from './state-dict';
export {
  inferArchitecture,
  networkFromStateDict,
  type InferredArchitecture,
  type InferredDiscriminator,
  type InferredGenerator,
} from './infer-architecture';
