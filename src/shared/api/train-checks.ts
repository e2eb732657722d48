/**
 * Checks of a run's options that need no files: the networks' size rules and the
 * combinations the reference would only reject deep inside its first step. Pure, so the
 * new-run form explains a problem while the user types, and main checks again (with the
 * real input size from the dataset) before a run starts.
 */
import type { TrainOptions } from '../train-options';
import type { ValidationIssue } from './train';

/** What a network needs of its input: a multiple of `multiple`, at least `min` pixels a side. */
export interface SizeRule {
  multiple: number;
  min: number;
  /** Why, in words, for the message. */
  reason: string;
}

/**
 * The generator's rule, as its layers impose it: a U-Net `unet_<S>` halves the image
 * log2(S) times and concatenates skips of equal size (a multiple of S); a ResNet generator
 * halves twice and its transposed convs double back (a multiple of 4), with reflect
 * padding that needs 4 pixels, and 2 at a quarter of the size in its blocks.
 */
export function generatorRule(netG: string): SizeRule | string {
  const unet = /^unet_(\d+)$/.exec(netG);
  if (unet) {
    const size = Number(unet[1]);
    const downs = Math.log2(size);
    if (!Number.isInteger(downs) || size < 32) {
      return `netG ${netG}: a U-Net's size must be a power of two ≥ 32 (unet_32, unet_64, unet_128, unet_256, …)`;
    }
    return { multiple: size, min: size, reason: `${netG} halves the image ${downs} times` };
  }
  const resnet = /^resnet_(\d+)blocks$/.exec(netG);
  if (resnet) {
    const blocks = Number(resnet[1]);
    return { multiple: 4, min: blocks > 0 ? 8 : 4, reason: `${netG} halves the image twice and doubles it back` };
  }
  return `netG ${netG} is not a known generator (unet_<size> or resnet_<n>blocks)`;
}

/** PatchGAN (`basic` = 3 layers, `n_layers`): stride-2 convs then two 4×4 convs; a pixel D takes any size. */
export function discriminatorRule(netD: TrainOptions['netD'], nLayersD: number): SizeRule {
  if (netD === 'pixel') return { multiple: 1, min: 1, reason: 'the pixel discriminator' };
  const layers = netD === 'basic' ? 3 : nLayersD;
  const halvings = Math.max(layers, 1);
  return { multiple: 1, min: 3 * 2 ** halvings, reason: `the ${netD} discriminator halves the image ${halvings} times` };
}

/** The network input size the options give without looking at the images, when they fix it. */
export function fixedInputSize(o: Pick<TrainOptions, 'preprocess' | 'crop_size'>): number | null {
  return o.preprocess.includes('crop') ? o.crop_size : null;
}

function sizeIssues(rule: SizeRule, width: number, height: number, path: keyof TrainOptions, hint: string): ValidationIssue[] {
  const bad = [width, height].some((s) => s < rule.min || s % rule.multiple !== 0);
  if (!bad) return [];
  const need =
    rule.multiple > 1 ? `a multiple of ${rule.multiple} pixels on each side${rule.min > rule.multiple ? ` and at least ${rule.min}` : ''}` : `at least ${rule.min} pixels on each side`;
  return [{ path, severity: 'error', message: `${rule.reason}: its input must be ${need}, and it would get ${width}×${height}. ${hint}` }];
}

/** The largest U-Net that takes `size`, to suggest. */
function unetFor(size: number): string | null {
  let s = 32;
  if (size < s) return null;
  while (s * 2 <= size && size % (s * 2) === 0) s *= 2;
  return size % s === 0 ? `unet_${s}` : null;
}

/**
 * Problems with these options for an input of `width`×`height` (the size after
 * preprocessing; `fixedInputSize` when the options fix it). Each names the option to change.
 */
export function architectureIssues(o: TrainOptions, width: number, height: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const g = generatorRule(o.netG);
  if (typeof g === 'string') issues.push({ path: 'netG', severity: 'error', message: g });
  else {
    const suggestion = unetFor(Math.min(width, height));
    const hint =
      g.multiple > 4
        ? `Pick a crop_size of ${g.min}${suggestion && suggestion !== o.netG ? `, or netG ${suggestion}` : ''}.`
        : `Pick a crop_size that is a multiple of 4 (e.g. ${Math.max(g.min, Math.round(Math.min(width, height) / 4) * 4)}).`;
    issues.push(...sizeIssues(g, width, height, fixedInputSize(o) !== null ? 'crop_size' : 'preprocess', hint));
  }
  const d = discriminatorRule(o.netD, o.n_layers_D);
  issues.push(
    ...sizeIssues(d, width, height, fixedInputSize(o) !== null ? 'crop_size' : 'preprocess', `Use a larger crop_size, fewer n_layers_D, or netD pixel.`),
  );
  return issues;
}

/** Worth knowing before hours of training, but not wrong. */
export function optionWarnings(o: TrainOptions): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  if (o.n_epochs + o.n_epochs_decay === 0) out.push({ path: 'n_epochs', severity: 'error', message: 'n_epochs + n_epochs_decay is 0: the run would not train at all' });
  if (o.model === 'pix2pix' && o.pool_size > 0) {
    out.push({ path: 'pool_size', severity: 'warning', message: 'pix2pix does not use an image pool (the reference sets pool_size 0); it is ignored' });
  }
  if (o.model === 'cycle_gan' && o.lambda_L1 !== 100) {
    out.push({ path: 'lambda_L1', severity: 'warning', message: 'lambda_L1 is a pix2pix option; CycleGAN uses lambda_A, lambda_B and lambda_identity' });
  }
  if (o.norm === 'batch' && o.batch_size === 1 && o.model === 'cycle_gan') {
    out.push({ path: 'norm', severity: 'warning', message: 'batch norm with batch_size 1 normalises each image on its own; the reference uses instance norm for CycleGAN' });
  }
  if (o.gan_mode === 'wgangp') {
    out.push({
      path: 'gan_mode',
      severity: 'warning',
      message: "wgangp: as in the reference, these models' training step does not add the gradient penalty, so the critic is unconstrained",
    });
  }
  if (o.preview_freq < o.batch_size) {
    out.push({ path: 'preview_freq', severity: 'warning', message: `preview_freq (${o.preview_freq}) is below batch_size: a preview after every step slows training` });
  }
  return out;
}
