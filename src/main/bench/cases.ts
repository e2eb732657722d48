/**
 * Every case `atelier bench` knows, in the order it runs them. Add a module's cases here
 * (one line); names must be unique.
 */
import { engineCases } from './engine-cases';
import { labelCases } from './label-cases';
import { monitorCases } from './monitor-cases';
import { previewCases } from './preview-cases';
import { translateCases } from './translate-cases';
import type { BenchCase } from './types';

export const benchCases: readonly BenchCase[] = [...engineCases, ...translateCases, ...previewCases, ...labelCases, ...monitorCases];

export function findCase(name: string): BenchCase {
  const c = benchCases.find((b) => b.name === name);
  if (!c) throw new Error(`unknown bench case '${name}' (known: ${benchCases.map((b) => b.name).join(', ')})`);
  return c;
}
