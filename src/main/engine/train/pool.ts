/**
 * The history of generated images that CycleGAN's discriminators learn from (Shrivastava
 * et al. 2017), with the reference's semantics (util/image_pool.py `ImagePool.query`):
 *
 * - pool size 0: the pool is off, `query` returns its input;
 * - per image of the batch: while fewer than `size` images are stored, store it and return
 *   it; afterwards, with probability ½ return a random stored image and store the new one in
 *   its place, else return the new image unchanged.
 *
 * The stored images are copies that carry no gradient (the reference stores `image.data`).
 * The pool's contents and its random stream are part of a run's checkpoint, so a resumed
 * run sees the same history.
 */
import * as tf from '../tf';
import { Rng, type RngState } from './rng';

export interface ImagePoolState {
  size: number;
  /** Stored images, each [1, H, W, C], in slot order. */
  images: { shape: number[]; data: Float32Array }[];
  rng: RngState;
}

export class ImagePool {
  private readonly images: tf.Tensor4D[] = [];

  constructor(
    readonly size: number,
    private rng: Rng,
  ) {
    if (!Number.isInteger(size) || size < 0) throw new Error(`image pool size must be an integer ≥ 0, got ${size}`);
  }

  get count(): number {
    return this.images.length;
  }

  /** Returns a new tensor [N, H, W, C] (the caller owns it); `batch` is not kept or disposed. */
  query(batch: tf.Tensor4D): tf.Tensor4D {
    if (this.size === 0) return tf.clone(batch);
    const n = batch.shape[0];
    const out: tf.Tensor4D[] = [];
    for (let i = 0; i < n; i++) {
      const image = tf.slice(batch, [i, 0, 0, 0], [1, -1, -1, -1]);
      const first = this.images[0];
      if (first && !tf.util.arraysEqual(first.shape, image.shape)) {
        image.dispose();
        throw new Error(
          `image pool: image of shape [${image.shape}] does not match the stored [${first.shape}] (all images in a run must have one size)`,
        );
      }
      if (this.images.length < this.size) {
        this.images.push(image);
        out.push(tf.clone(image));
      } else if (this.rng.uniform(0, 1) > 0.5) {
        const slot = this.rng.randint(0, this.size - 1);
        out.push(this.images[slot]!);
        this.images[slot] = image;
      } else {
        out.push(image);
      }
    }
    const result = tf.concat(out, 0);
    for (const t of out) if (!this.images.includes(t)) t.dispose();
    return result;
  }

  getState(): ImagePoolState {
    return {
      size: this.size,
      images: this.images.map((t) => ({ shape: [...t.shape], data: (t.dataSync() as Float32Array).slice() })),
      rng: this.rng.state(),
    };
  }

  setState(state: ImagePoolState): void {
    if (state.size !== this.size) {
      throw new Error(`image pool state holds a pool of size ${state.size}, this run uses ${this.size}`);
    }
    if (state.images.length > this.size) {
      throw new Error(`image pool state holds ${state.images.length} images, more than its size ${this.size}`);
    }
    const images = state.images.map((im, i) => {
      if (im.shape.length !== 4 || im.shape[0] !== 1 || im.data.length !== im.shape.reduce((a, b) => a * b, 1)) {
        throw new Error(`image pool state: image ${i} has shape [${im.shape}] and ${im.data.length} values`);
      }
      return tf.tensor4d(im.data, im.shape as [number, number, number, number], 'float32');
    });
    this.disposeImages();
    this.images.push(...images);
    this.rng = Rng.fromState(state.rng);
  }

  dispose(): void {
    this.disposeImages();
  }

  private disposeImages(): void {
    for (const t of this.images) t.dispose();
    this.images.length = 0;
  }
}
