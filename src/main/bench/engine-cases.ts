/**
 * Engine cases: the reference's configurations at full size (ngf = ndf = 64), batch 1,
 * 256×256 crops, as tests/bench/torch_reference.py times them on PyTorch.
 *
 * - Training: one `optimizeParameters()` of the pix2pix and CycleGAN models with the
 *   reference's defaults, on the fastest TF.js backend (`initBackend`).
 * - Inference: a generator on one image through the inference entry (`translateImage`), on
 *   the engine it chooses (ONNX Runtime, unless ATELIER_INFERENCE / --engine says otherwise),
 *   eval mode as the reference script's `net.eval()`.
 * - Both hold the generator as the app holds a loaded model: as its state_dict
 *   (`InferenceGenerator`, with the random weights `defineG` draws, made without TF.js), so
 *   a TF.js network exists only if TF.js runs it.
 * - The live preview: pix2pix's default generator (unet_256, batch norm, dropout) in the
 *   reference's default test mode (BatchNorm on the image's statistics, dropout on),
 *   8-bit photo in, composited 8-bit result out, as the Translate workspace renders it.
 */
import { defaultsFor } from '../../shared/train-options';
import { initBackend } from '../engine/backends/select';
import { InferenceGenerator, initialStateDict, translateImage } from '../engine/infer';
import { renderPreview, type Raster } from '../engine/jobs/translate-pipeline';
import { createModel, type ModelOptions } from '../engine/models';
import type { GeneratorOptions } from '../engine/networks';
import { generatorForward, probeOnnxRuntime, type InferenceEngine } from '../engine/onnx';
import * as tf from '../engine/tf';
import type { BenchCase, BenchContext } from './types';

const SIZE = 256;

async function backendFor(ctx: BenchContext) {
  return initBackend({ log: (line) => ctx.log(line) });
}

/** `onnxruntime-cpu`, `tfjs-wasm`, …, and the thread count of that engine. */
async function engineLabel(engine: InferenceEngine, tfjsThreads: number): Promise<{ backend: string; threads: number }> {
  if (engine.name === 'onnxruntime') {
    const info = await probeOnnxRuntime();
    return { backend: `onnxruntime-${info.providers[0]}`, threads: info.threads };
  }
  return { backend: `tfjs-${tf.getBackend()}`, threads: tfjsThreads };
}

function trainCase(name: string, model: ModelOptions['model'], summary: string): BenchCase {
  return {
    name,
    summary,
    async setup(ctx) {
      const backend = await backendFor(ctx);
      const options: ModelOptions = { ...defaultsFor(model), model, seed: 0 };
      const m = createModel(options);
      const A = tf.randomUniform([1, SIZE, SIZE, options.input_nc], -1, 1, 'float32', 1) as tf.Tensor4D;
      const B = tf.randomUniform([1, SIZE, SIZE, options.output_nc], -1, 1, 'float32', 2) as tf.Tensor4D;
      m.setInput({ A, B });
      tf.dispose([A, B]);
      return {
        backend: `tfjs-${backend.name}`,
        threads: backend.threads ?? 1,
        run: (i) => m.optimizeParameters({ dropoutSeed: i + 1 }),
        dispose: () => m.dispose(),
      };
    },
  };
}

const generator = (netG: GeneratorOptions['netG'], norm: GeneratorOptions['norm'], useDropout: boolean): GeneratorOptions => ({
  netG,
  inputNc: 3,
  outputNc: 3,
  ngf: 64,
  norm,
  useDropout,
  initType: 'normal',
  initGain: 0.02,
});

function inferCase(name: string, options: GeneratorOptions, size: number, summary: string): BenchCase {
  return {
    name,
    summary,
    async setup(ctx) {
      const backend = await backendFor(ctx);
      const net = new InferenceGenerator(options, initialStateDict(options, 0));
      const x = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
      const mode = { training: false, dropout: false };
      // Chooses the engine and builds its session: setup, not a timed run.
      const engine = await generatorForward(net, mode, 1);
      ctx.log(`${name}: ${engine.name} on ${engine.device}${engine.reason ? ` (${engine.reason})` : ''}`);
      return {
        ...(await engineLabel(engine, backend.threads ?? 1)),
        async run() {
          const y = await translateImage(net, x, { mode });
          await y.data();
          y.dispose();
        },
        async dispose() {
          x.dispose();
          await net.dispose();
        },
      };
    },
  };
}

/** A deterministic 8-bit RGB photo stand-in. */
function syntheticPhoto(width: number, height: number): Raster {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { data, width, height, channels: 3 };
}

const previewCase: BenchCase = {
  name: 'infer_preview_256',
  summary: 'live preview: pix2pix unet_256 (batch norm, dropout) in test mode, 256×256 photo to composited result',
  async setup(ctx) {
    const backend = await backendFor(ctx);
    const options = generator('unet_256', 'batch', true);
    const net = new InferenceGenerator(options, initialStateDict(options, 0));
    const source = syntheticPhoto(SIZE, SIZE);
    const engine = await generatorForward(net, { training: true, dropout: true, seed: 0 }, 1);
    ctx.log(`infer_preview_256: ${engine.name} on ${engine.device}${engine.reason ? ` (${engine.reason})` : ''}`);
    return {
      ...(await engineLabel(engine, backend.threads ?? 1)),
      async run(i) {
        await renderPreview({ net, options }, source, { width: SIZE, height: SIZE }, { eval: false, seed: i + 1 });
      },
      dispose: () => net.dispose(),
    };
  },
};

export const engineCases: readonly BenchCase[] = [
  trainCase('pix2pix_train', 'pix2pix', 'pix2pix training iteration: unet_256 + basic D, batch norm, vanilla GAN, λ_L1 100, 256×256, batch 1'),
  trainCase('cyclegan_train', 'cycle_gan', 'CycleGAN training iteration: 2 × resnet_9blocks + 2 × basic D, instance norm, LSGAN, 256×256, batch 1'),
  inferCase('infer_unet256_256', generator('unet_256', 'batch', false), 256, 'inference: unet_256 (batch norm, eval), 256×256'),
  inferCase('infer_resnet9_256', generator('resnet_9blocks', 'instance', false), 256, 'inference: resnet_9blocks (instance norm), 256×256'),
  inferCase('infer_resnet9_512', generator('resnet_9blocks', 'instance', false), 512, 'inference: resnet_9blocks (instance norm), 512×512'),
  inferCase('infer_resnet9_1024', generator('resnet_9blocks', 'instance', false), 1024, 'inference: resnet_9blocks (instance norm), 1024×1024'),
  previewCase,
];
