/**
 * Probe: one 3×3 convolution (C = K = 256 on a PROBE_H² map, default 130: the
 * resnet_9blocks body at a 512² input) on ONNX Runtime: direct, and as Winograd F(2×2) and
 * F(4×4) (onnx/winograd.ts).
 *   npx vitest run -c tests/bench/vitest.config.ts tests/bench/winograd-probe.ts
 */
import { it } from 'vitest';
import type { Conv2dLayer } from '../../src/main/engine/networks';
import { attr } from '../../src/main/engine/onnx/graph-builder';
import { F2x2_3x3, F4x4_3x3, emitWinogradConv } from '../../src/main/engine/onnx/winograd';
import { probeValues, timeForms, type Form } from './helpers/onnx-forms';

const C = 256;
const K = 256;
const H = Number(process.env.PROBE_H ?? 130);
const kernel = probeValues(K * C * 9, 1);
const layer = { kind: 'conv2d', inChannels: C, outChannels: K, kernel: 3, stride: 1, padding: 0, module: 'm', weight: { key: 'w' } } as unknown as Conv2dLayer;

const forms: Record<string, Form> = {
  direct: (g, x) => g.node('Conv', [x, g.floatInitializer('w', [K, C, 3, 3], kernel)], [attr.ints('kernel_shape', [3, 3])]),
  f2: (g, x) => emitWinogradConv(g, layer, x, { kernel: () => kernel }, F2x2_3x3),
  f4: (g, x) => emitWinogradConv(g, layer, x, { kernel: () => kernel }, F4x4_3x3),
};

it('times each form', () => timeForms(forms, [1, C, H, H], [1, K, H - 2, H - 2]));
