/**
 * The pointer on a canvas pane as a user moves it, in image pixels: each pane publishes its
 * view transform (`data-view`: scale, x, y), so a test can aim at an image pixel whatever
 * the zoom and pan.
 */
import type { Locator, Page } from '@playwright/test';

/** Screen position of the centre of image pixel (px, py) in a canvas pane. */
export async function pixel(pane: Locator, px: number, py: number): Promise<{ x: number; y: number }> {
  const box = (await pane.boundingBox())!;
  const [scale, x, y] = (await pane.getAttribute('data-view'))!.split(' ').map(Number) as [number, number, number];
  return { x: box.x + x + (px + 0.5) * scale, y: box.y + y + (py + 0.5) * scale };
}

/** A mouse drag through image pixels, in small steps as a hand would move. */
export async function drag(page: Page, pane: Locator, from: [number, number], to: [number, number], steps = 16): Promise<void> {
  const a = await pixel(pane, ...from);
  const b = await pixel(pane, ...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps });
  await page.mouse.up();
}
