export { crop, paddedSize, paddingToMultiple, reflectIndex, reflectPad, type Padding } from './pad';
export { checkTranslatable, translateWhole, type InferenceMode } from './translate';
export { axisTiles, axisWeights, planTiles, translateTiled, type AxisTile, type Tile, type TiledOptions, type TilePlan } from './tiled';
export { translateImage, type TranslateOptions } from './translate-image';
export { InferenceGenerator, initialStateDict, tfjsNetwork, type InferenceSource } from './generator';
