/**
 * Procedural building facades for the demo's paired dataset: a label map in the facades
 * palette (the classes of the CMP Facade Database as pix2pix distributes it) and a "photo"
 * rendered from it. Every detail of the photo follows from the label map's geometry
 * (frames at a window's edges, slats across a shutter, shadows under what projects from
 * the wall), so label → photo is learnable from a few dozen pairs, as the facades dataset
 * is from a few hundred. Only the materials (wall colour, brick or plaster, shutter paint)
 * are drawn per building, the variety a generator learns to pick from.
 */
import { FACADES_PALETTE, type Palette } from '../../../src/shared/palettes';
import type { Rng } from '../../../src/main/engine/train/rng';
import { hex, mix, RgbImage, scale, type Rgb } from './image';
import { valueNoise } from './noise';

/** The class ids used here, looked up by name so a palette edit cannot silently shift them. */
function classIds(palette: Palette) {
  const id = (name: string) => {
    const c = palette.classes.find((k) => k.name === name);
    if (!c) throw new Error(`palette "${palette.id}" has no class "${name}"`);
    return c.id;
  };
  return {
    background: id('background'),
    wall: id('wall'),
    door: id('door'),
    window: id('window'),
    sill: id('window sill'),
    head: id('window head'),
    shutter: id('shutter'),
    balcony: id('balcony'),
    trim: id('trim'),
    cornice: id('cornice'),
    column: id('column'),
    entrance: id('entrance'),
  };
}

export const FACADE_CLASSES = classIds(FACADES_PALETTE);
const C = FACADE_CLASSES;

/** A label map: one class id per pixel, row-major. */
export interface LabelMap {
  width: number;
  height: number;
  ids: Uint8Array;
}

class Painter {
  readonly ids: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    fill: number,
  ) {
    this.ids = new Uint8Array(width * height).fill(fill);
  }
  /** Fill [x0, x1) × [y0, y1), clipped; `over` limits it to pixels of those classes. */
  rect(x0: number, y0: number, x1: number, y1: number, id: number, over?: readonly number[]): void {
    const xa = Math.max(0, Math.round(x0));
    const xb = Math.min(this.width, Math.round(x1));
    const ya = Math.max(0, Math.round(y0));
    const yb = Math.min(this.height, Math.round(y1));
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const i = y * this.width + x;
        if (!over || over.includes(this.ids[i]!)) this.ids[i] = id;
      }
    }
  }
}

/**
 * A facade: sky above (and beside, for a narrower building), a cornice at the roof line,
 * an upper grid of floors × bays of windows with sills and heads (some buildings with
 * shutters, balconies, pilasters, string courses), and a ground floor with a door or a
 * glazed entrance.
 */
export function facadeLabels(rng: Rng, width: number, height: number): LabelMap {
  const p = new Painter(width, height, C.background);
  const sky = rng.randint(Math.round(height * 0.05), Math.round(height * 0.15));
  const margin = rng.random() < 0.45 ? 0 : rng.randint(2, Math.max(2, Math.round(width * 0.08)));
  const x0 = margin;
  const x1 = width - margin;
  p.rect(x0, sky, x1, height, C.wall);

  const corniceH = rng.randint(3, 5);
  p.rect(x0 - (margin > 0 ? 1 : 0), sky, x1 + (margin > 0 ? 1 : 0), sky + corniceH, C.cornice);

  const floors = rng.randint(3, 5);
  const bays = rng.randint(3, 5);
  const top = sky + corniceH;
  const groundH = Math.round((height - top) * (floors === 3 ? rng.uniform(0.3, 0.36) : rng.uniform(0.22, 0.28)));
  const upperH = (height - top - groundH) / (floors - 1);
  const bayW = (x1 - x0) / bays;
  const winW = Math.max(4, Math.round(bayW * rng.uniform(0.4, 0.56)));
  const winH = Math.max(5, Math.round(upperH * rng.uniform(0.5, 0.64)));
  const withShutters = rng.random() < 0.4;
  const withPilasters = rng.random() < 0.3;
  const withCourses = rng.random() < 0.6;
  const withHeads = rng.random() < 0.75;
  const balconyRow = rng.random() < 0.55 ? rng.randint(0, floors - 2) : -1;
  const balconyEvery = rng.random() < 0.3;

  if (withPilasters) {
    for (let b = 0; b <= bays; b++) {
      const x = x0 + b * bayW;
      p.rect(x - 1, top, x + 1, height - groundH, C.column, [C.wall]);
    }
  }

  for (let f = 0; f < floors - 1; f++) {
    const floorTop = top + f * upperH;
    const wy0 = Math.round(floorTop + (upperH - winH) * 0.45);
    const wy1 = wy0 + winH;
    if (withCourses) p.rect(x0, floorTop + upperH - 1, x1, floorTop + upperH + 1, C.trim, [C.wall, C.column]);
    for (let b = 0; b < bays; b++) {
      const cx = x0 + (b + 0.5) * bayW;
      const wx0 = Math.round(cx - winW / 2);
      const wx1 = wx0 + winW;
      if (withShutters) {
        const sw = Math.max(2, Math.round(winW * 0.42));
        p.rect(wx0 - sw, wy0, wx0, wy1, C.shutter, [C.wall]);
        p.rect(wx1, wy0, wx1 + sw, wy1, C.shutter, [C.wall]);
      }
      if (withHeads) p.rect(wx0 - 1, wy0 - 2, wx1 + 1, wy0, C.head);
      p.rect(wx0, wy0, wx1, wy1, C.window);
      p.rect(wx0 - 1, wy1, wx1 + 1, wy1 + 2, C.sill);
      if (f === balconyRow || (balconyEvery && f > 0)) {
        const bh = Math.max(3, Math.round(winH * 0.32));
        p.rect(wx0 - 2, wy1 - bh, wx1 + 2, wy1 + 1, C.balcony);
      }
    }
  }

  // Ground floor: a band above it, a door (or a glazed entrance) in one bay, tall windows.
  const groundTop = height - groundH;
  p.rect(x0, groundTop - 1, x1, groundTop + 2, rng.random() < 0.5 ? C.cornice : C.trim);
  const doorBay = bays % 2 === 1 ? (bays - 1) / 2 : rng.randint(0, bays - 1);
  const glazed = rng.random() < 0.35;
  for (let b = 0; b < bays; b++) {
    const cx = x0 + (b + 0.5) * bayW;
    if (b === doorBay) {
      const dw = Math.max(5, Math.round(bayW * (glazed ? 0.7 : 0.46)));
      const dh = Math.round(groundH * rng.uniform(0.68, 0.8));
      p.rect(cx - dw / 2 - 1, height - dh - 2, cx + dw / 2 + 1, height, C.head, [C.wall]);
      p.rect(cx - dw / 2, height - dh, cx + dw / 2, height, glazed ? C.entrance : C.door);
    } else {
      const gw = Math.round(winW * rng.uniform(1.0, 1.3));
      const gh = Math.round(groundH * 0.5);
      const gy0 = groundTop + Math.round(groundH * 0.2);
      p.rect(cx - gw / 2, gy0, cx + gw / 2, gy0 + gh, C.window);
      p.rect(cx - gw / 2 - 1, gy0 + gh, cx + gw / 2 + 1, gy0 + gh + 2, C.sill);
    }
  }
  if (withPilasters) {
    for (let b = 0; b <= bays; b++) p.rect(x0 + b * bayW - 1, groundTop + 2, x0 + b * bayW + 1, height, C.column, [C.wall]);
  }
  return { width, height, ids: p.ids };
}

/** Extents of the same-class run through each pixel, horizontally and vertically. */
function runs(map: LabelMap) {
  const { width: w, height: h, ids } = map;
  const left = new Int16Array(w * h);
  const right = new Int16Array(w * h);
  const up = new Int16Array(w * h);
  const down = new Int16Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      left[i] = x > 0 && ids[i - 1] === ids[i] ? left[i - 1]! : x;
    }
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      right[i] = x < w - 1 && ids[i + 1] === ids[i] ? right[i + 1]! : x;
    }
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const i = y * w + x;
      up[i] = y > 0 && ids[i - w] === ids[i] ? up[i - w]! : y;
    }
    for (let y = h - 1; y >= 0; y--) {
      const i = y * w + x;
      down[i] = y < h - 1 && ids[i + w] === ids[i] ? down[i + w]! : y;
    }
  }
  return { left, right, up, down };
}

const PLASTERS = ['#d9c7a3', '#e3b98f', '#cfa07a', '#e6d8c0', '#c9b4a0', '#d8a98e', '#bfc4b8'].map(hex);
const BRICKS = ['#9c5a3c', '#a8664a', '#8a4a34'].map(hex);
const SHUTTERS = ['#3f6b45', '#5b4030', '#4d6b80', '#7a7a4a'].map(hex);
const DOORS = ['#5a3a22', '#3a2a1e', '#6b2e24', '#2e3d4a'].map(hex);
const STONE = hex('#e4ddcf');
const MORTAR = hex('#cdbfa8');
const GLASS_DARK = hex('#1f2b38');
const GLASS_SKY = hex('#6f8aa6');
const FRAME_LIGHT = hex('#f1eee6');
const FRAME_DARK = hex('#4a3a2a');
const IRON = hex('#262626');
const SKY_TOP = hex('#8db6de');
const SKY_LOW = hex('#dce8f2');

/** Classes that stand out from the wall and cast a short shadow below them. */
const PROJECTING = new Set([C.cornice, C.sill, C.head, C.balcony, C.trim]);

/** Render the photo of a facade label map (materials drawn from `rng`). */
export function renderFacade(map: LabelMap, rng: Rng): RgbImage {
  const { width: w, height: h, ids } = map;
  const img = new RgbImage(w, h);
  const grain = valueNoise(rng.child('grain'));
  const tex = valueNoise(rng.child('texture'));
  const clouds = valueNoise(rng.child('clouds'));
  const brick = rng.random() < 0.3;
  const wall = brick ? BRICKS[rng.randint(0, BRICKS.length - 1)]! : PLASTERS[rng.randint(0, PLASTERS.length - 1)]!;
  const shutter = SHUTTERS[rng.randint(0, SHUTTERS.length - 1)]!;
  const door = DOORS[rng.randint(0, DOORS.length - 1)]!;
  const frame = rng.random() < 0.75 ? FRAME_LIGHT : FRAME_DARK;
  const stone = mix(STONE, wall, rng.uniform(0, 0.25));
  const light = rng.uniform(-0.06, 0.06);
  const { left, right, up, down } = runs(map);

  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const id = ids[i]!;
      const l = left[i]!;
      const r = right[i]!;
      const t = up[i]!;
      const b = down[i]!;
      const u = r > l ? (x - l) / (r - l) : 0.5;
      const v = b > t ? (y - t) / (b - t) : 0.5;
      let c: Rgb;
      switch (id) {
        case C.background: {
          const sky = mix(SKY_TOP, SKY_LOW, y / h);
          const cloud = Math.max(0, clouds.fbm(x / 22, y / 9, 3) - 0.55) * 2.2;
          c = mix(sky, [0.97, 0.97, 0.98], Math.min(1, cloud));
          break;
        }
        case C.wall: {
          if (brick) {
            // Courses of 3 px with 1 px mortar; joints offset every other course.
            const course = Math.floor(y / 3);
            const joint = y % 3 === 2 || (x + (course % 2) * 3) % 6 === 0;
            c = joint ? MORTAR : scale(wall, 0.9 + 0.2 * tex.at(x / 3, course * 1.7));
          } else {
            c = scale(wall, 0.92 + 0.16 * tex.fbm(x / 10, y / 10, 4));
          }
          break;
        }
        case C.window:
        case C.entrance: {
          const isFrame = x === l || x === r || y === t || y === b;
          const mullion = x === Math.round((l + r) / 2) || (id === C.window && y === t + Math.round((b - t) * 0.35));
          if (isFrame || mullion) c = frame;
          else {
            // The sky reflected in the upper panes, a diagonal highlight across the glass.
            const reflect = 0.55 * (1 - v) + 0.35 * Math.max(0, 1 - Math.abs(u - v * 0.8 - 0.15) * 4);
            c = mix(GLASS_DARK, GLASS_SKY, Math.min(1, reflect) * (id === C.entrance ? 0.6 : 1));
          }
          break;
        }
        case C.sill:
        case C.head:
        case C.trim:
          c = scale(stone, (y === b ? 0.8 : 1) * (0.95 + 0.1 * tex.at(x / 4, y / 2)));
          break;
        case C.cornice: {
          // Light top, dentils in the middle, shadowed underside.
          const dentil = v > 0.35 && v < 0.75 && x % 3 === 0;
          c = scale(stone, (y === b ? 0.72 : y === t ? 1.05 : 0.95) * (dentil ? 0.8 : 1));
          break;
        }
        case C.shutter:
          c = scale(shutter, (y - t) % 2 === 0 ? 0.75 : 1.05);
          break;
        case C.balcony: {
          const rail = y === t || y === b;
          const bar = (x - l) % 2 === 0;
          const behind = y > t && y < b && !bar;
          c = rail ? IRON : behind ? scale(wall, 0.55) : mix(IRON, wall, 0.15);
          break;
        }
        case C.door: {
          const inset = u > 0.15 && u < 0.85 && ((v > 0.1 && v < 0.45) || (v > 0.55 && v < 0.9));
          const knob = Math.abs(u - 0.8) < 0.08 && Math.abs(v - 0.5) < 0.03;
          c = knob ? hex('#c9a54a') : scale(door, inset ? 0.78 : 1 + 0.05 * tex.at(x / 2, y / 8));
          break;
        }
        case C.column:
          c = scale(stone, 0.85 + 0.25 * (1 - u));
          break;
        default:
          c = wall;
      }
      // Light from the upper left; the street darkens the lowest floor a little.
      let k = 1 + light * (0.5 - x / w) - 0.1 * Math.max(0, y / h - 0.75);
      if (id !== C.background && !PROJECTING.has(id)) {
        for (let d = 1; d <= 2; d++) {
          if (y - d >= 0 && PROJECTING.has(ids[i - d * w]!)) {
            k *= d === 1 ? 0.72 : 0.86;
            break;
          }
        }
      }
      k *= 0.97 + 0.06 * grain.at(x * 1.7, y * 1.7);
      img.set(x, y, scale(c, k));
    }
  }
  return img;
}
