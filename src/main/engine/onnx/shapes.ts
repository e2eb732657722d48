/**
 * Activation shapes along a spec for a given input size, in NCHW: what the dropout masks
 * fed to a graph must look like. Sizes follow PyTorch's formulas (spec.outputSize); an input
 * the network cannot take raises the same errors as there.
 */
import { outputSize, type Layer, type NetworkSpec } from '../networks';

export type Shape4 = [number, number, number, number];

export interface DropoutSite {
  /** NCHW shape of the activation the layer masks. */
  shape: Shape4;
  /** Probability of zeroing an element. */
  p: number;
}

interface Walk {
  c: number;
  h: number;
  w: number;
}

/**
 * Every dropout layer with the NCHW shape of what it masks, in execution order (the order in
 * which the TF.js executor numbers them for its seeds, and in which the ONNX builder names
 * its mask inputs).
 */
export function dropoutSites(spec: NetworkSpec, batch: number, height: number, width: number): DropoutSite[] {
  outputSize(spec, height, width); // throws, with the reference's reasons, for sizes the network cannot take
  const sites: DropoutSite[] = [];
  const walk = (layers: readonly Layer[], s: Walk): Walk => {
    for (const layer of layers) {
      switch (layer.kind) {
        case 'conv2d':
          s = {
            c: layer.outChannels,
            h: Math.floor((s.h + 2 * layer.padding - layer.kernel) / layer.stride) + 1,
            w: Math.floor((s.w + 2 * layer.padding - layer.kernel) / layer.stride) + 1,
          };
          break;
        case 'convTranspose2d':
          s = {
            c: layer.outChannels,
            h: (s.h - 1) * layer.stride - 2 * layer.padding + layer.kernel + layer.outputPadding,
            w: (s.w - 1) * layer.stride - 2 * layer.padding + layer.kernel + layer.outputPadding,
          };
          break;
        case 'reflectionPad':
          s = { c: s.c, h: s.h + 2 * layer.pad, w: s.w + 2 * layer.pad };
          break;
        case 'concatSkip':
          s = { ...s, c: s.c + walk(layer.body, s).c };
          break;
        case 'residual':
          walk(layer.body, s);
          break;
        case 'dropout':
          sites.push({ shape: [batch, s.c, s.h, s.w], p: layer.p });
          break;
        default:
          break;
      }
    }
    return s;
  };
  walk(spec.layers, { c: spec.inChannels, h: height, w: width });
  return sites;
}
