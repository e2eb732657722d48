/**
 * The editor's view transform: screen = image × scale + offset. Pure math for fit, 1:1,
 * zoom about a point (the wheel) and panning, clamped so the image cannot be lost.
 */
import type { Point } from './raster';

export interface Viewport {
  scale: number;
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 64;

const clampScale = (s: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));

export function screenToImage(v: Viewport, p: Point): Point {
  return { x: (p.x - v.x) / v.scale, y: (p.y - v.y) / v.scale };
}

export function imageToScreen(v: Viewport, p: Point): Point {
  return { x: p.x * v.scale + v.x, y: p.y * v.scale + v.y };
}

/** The whole image visible and centred, with a small margin. */
export function fitView(image: Size, view: Size, margin = 16): Viewport {
  const scale = clampScale(
    Math.min((view.width - 2 * margin) / image.width, (view.height - 2 * margin) / image.height),
  );
  return centred(image, view, scale > 0 ? scale : MIN_SCALE);
}

/** One image pixel per screen pixel, keeping the image point at the view's centre fixed. */
export function actualSize(v: Viewport, view: Size): Viewport {
  return zoomAt(v, { x: view.width / 2, y: view.height / 2 }, 1 / v.scale);
}

/** Zoom by `factor` keeping the image point under `screen` where it is. */
export function zoomAt(v: Viewport, screen: Point, factor: number): Viewport {
  const scale = clampScale(v.scale * factor);
  const k = scale / v.scale;
  return { scale, x: screen.x - (screen.x - v.x) * k, y: screen.y - (screen.y - v.y) * k };
}

/**
 * Pan by a screen delta, keeping at least `keep` screen pixels of the image inside the
 * view on every side, so it cannot be pushed out of sight.
 */
export function panBy(v: Viewport, dx: number, dy: number, image: Size, view: Size, keep = 32): Viewport {
  const w = image.width * v.scale;
  const h = image.height * v.scale;
  const x = Math.min(view.width - keep, Math.max(keep - w, v.x + dx));
  const y = Math.min(view.height - keep, Math.max(keep - h, v.y + dy));
  return { scale: v.scale, x, y };
}

function centred(image: Size, view: Size, scale: number): Viewport {
  return { scale, x: (view.width - image.width * scale) / 2, y: (view.height - image.height * scale) / 2 };
}

/** Wheel delta (pixels, as browsers report) to a zoom factor: smooth, symmetric in and out. */
export function wheelZoomFactor(deltaY: number, deltaMode = 0): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-px * 0.0015);
}
