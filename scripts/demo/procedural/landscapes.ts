/**
 * Procedural landscapes for the demo's unpaired dataset, in two domains: "day" (blue sky,
 * high sun, green hills) and "dusk" (violet-to-orange sky, low sun, silhouetted hills).
 * Each image draws its own scene (horizon, ridges, lake, trees, clouds, sun), so the two
 * domains share no pairs: what CycleGAN must learn is the light, as in its
 * summer ⇄ winter and photo ⇄ painting examples.
 */
import type { Rng } from '../../../src/main/engine/train/rng';
import { hex, mix, RgbImage, scale, type Rgb } from './image';
import { valueNoise } from './noise';

export const LANDSCAPE_DOMAINS = ['day', 'dusk'] as const;
export type LandscapeDomain = (typeof LANDSCAPE_DOMAINS)[number];

interface Light {
  /** Sky from the zenith to the horizon (three stops). */
  sky: [Rgb, Rgb, Rgb];
  sun: Rgb;
  glow: number;
  cloudLit: Rgb;
  cloudShade: Rgb;
  /** Far ridge, middle hills, near ground, trees. */
  far: Rgb;
  mid: Rgb;
  near: Rgb;
  tree: Rgb;
  /** How much the far ridge fades into the sky. */
  haze: number;
}

const LIGHTS: Record<LandscapeDomain, Light> = {
  day: {
    sky: [hex('#4f8fd0'), hex('#8ebde6'), hex('#d6e9f5')],
    sun: hex('#fffbe8'),
    glow: 0.25,
    cloudLit: hex('#ffffff'),
    cloudShade: hex('#c4cdd8'),
    far: hex('#7f9fbf'),
    mid: hex('#5f9a4c'),
    near: hex('#47803a'),
    tree: hex('#2b5a2a'),
    haze: 0.35,
  },
  dusk: {
    sky: [hex('#231d4a'), hex('#a24d7a'), hex('#f39a4c')],
    sun: hex('#ffd27a'),
    glow: 0.7,
    cloudLit: hex('#ff9f7a'),
    cloudShade: hex('#5a3566'),
    far: hex('#6b4277'),
    mid: hex('#3b2a4a'),
    near: hex('#2a2036'),
    tree: hex('#17121f'),
    haze: 0.45,
  },
};

function skyAt(light: Light, t: number): Rgb {
  const [a, b, c] = light.sky;
  return t < 0.55 ? mix(a, b, t / 0.55) : mix(b, c, (t - 0.55) / 0.45);
}

export function landscape(rng: Rng, domain: LandscapeDomain, width: number, height: number): RgbImage {
  const light = LIGHTS[domain];
  const img = new RgbImage(width, height);
  const n = valueNoise(rng.child('ridges'));
  const cloudNoise = valueNoise(rng.child('clouds'));
  const grass = valueNoise(rng.child('grass'));
  const grain = valueNoise(rng.child('grain'));

  const horizon = Math.round(height * rng.uniform(0.48, 0.62));
  const sunX = width * rng.uniform(0.15, 0.85);
  const sunY = domain === 'day' ? height * rng.uniform(0.1, 0.3) : horizon - height * rng.uniform(0.02, 0.14);
  const sunR = width * (domain === 'day' ? rng.uniform(0.035, 0.05) : rng.uniform(0.06, 0.085));
  const cloudCover = rng.uniform(0.48, 0.68);
  const lake = rng.random() < 0.5;
  const lakeTop = horizon + Math.round(height * rng.uniform(0.04, 0.1));
  const lakeBottom = lakeTop + Math.round(height * rng.uniform(0.08, 0.16));
  const farAmp = height * rng.uniform(0.08, 0.2);
  const midAmp = height * rng.uniform(0.05, 0.12);
  const nearBase = lake ? lakeBottom : horizon + Math.round(height * rng.uniform(0.12, 0.22));
  const phase = rng.uniform(0, 100);

  const ridge = (x: number, amp: number, scaleX: number, offset: number) => amp * n.fbm(x / scaleX + phase + offset, offset, 4);
  const farY = (x: number) => horizon - ridge(x, farAmp, width * 0.35, 0);
  const midY = (x: number) => horizon + height * 0.03 - ridge(x, midAmp, width * 0.22, 40);
  const nearY = (x: number) => nearBase - ridge(x, height * 0.06, width * 0.18, 80);

  const sky = (x: number, y: number): Rgb => {
    let c = skyAt(light, Math.min(1, Math.max(0, y / horizon)));
    const d = Math.hypot(x - sunX, y - sunY);
    c = mix(c, light.sun, light.glow * Math.exp(-d / (width * 0.18)));
    if (d < sunR) c = light.sun;
    const cloud = cloudNoise.fbm(x / (width * 0.22), y / (height * 0.07), 4);
    if (y < horizon * 0.85 && cloud > cloudCover) {
      const density = Math.min(1, (cloud - cloudCover) * 6);
      // Lit from below at dusk (the sun is under them), from above by day.
      const lit = domain === 'dusk' ? 1 - (cloudNoise.at(x / 9, (y - 2) / 5) - 0.5) : cloudNoise.at(x / 9, (y + 2) / 5);
      c = mix(c, mix(light.cloudShade, light.cloudLit, Math.min(1, Math.max(0, lit))), density * 0.9);
    }
    return c;
  };

  const trees: { x: number; y: number; r: number }[] = [];
  const treeCount = rng.randint(2, 9);
  for (let i = 0; i < treeCount; i++) {
    const x = rng.uniform(0, width);
    trees.push({ x, y: nearY(x), r: width * rng.uniform(0.02, 0.045) });
  }

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c: Rgb;
      if (y >= nearY(x)) {
        const depth = (y - nearY(x)) / height;
        c = scale(light.near, 0.85 + 0.3 * grass.fbm(x / 5, y / 2.5, 3) - depth * 0.3);
      } else if (lake && y >= lakeTop && y < lakeBottom) {
        // The sky mirrored about the horizon, broken by ripples.
        const ripple = (grass.at(x / 14, y * 1.3) - 0.5) * 6;
        const my = Math.max(0, Math.min(horizon - 1, 2 * horizon - y + ripple - (lakeTop - horizon)));
        c = scale(sky(x, my), 0.78);
      } else if (y >= midY(x)) {
        c = scale(light.mid, 0.9 + 0.2 * grass.fbm(x / 8, y / 4, 3));
      } else if (y >= farY(x)) {
        c = mix(light.far, skyAt(light, 1), light.haze * (1 - (y - farY(x)) / Math.max(1, horizon - farY(x) + 1)));
      } else {
        c = sky(x, y);
      }
      for (const t of trees) {
        // A round crown on a short trunk.
        const dx = x - t.x;
        const crown = Math.hypot(dx, (y - (t.y - t.r * 1.6)) * 0.8) < t.r;
        const trunk = Math.abs(dx) < Math.max(0.6, t.r * 0.18) && y > t.y - t.r * 1.2 && y <= t.y + 1;
        if (crown || trunk) c = scale(light.tree, crown ? 0.9 + 0.25 * grass.at(x / 2, y / 2) : 0.7);
      }
      img.set(x, y, scale(c, 0.97 + 0.06 * grain.at(x * 1.9, y * 1.9)));
    }
  }
  return img;
}
