/**
 * Probe: the generators' last convolution (7×7, 64 → 3 channels, at a PROBE_S² output,
 * default 512) on ONNX Runtime: direct, and as one stride-2 Conv over its output phases
 * (onnx/output-phases.ts).
 *   npx vitest run -c tests/bench/vitest.config.ts tests/bench/output-conv-probe.ts
 */
import { it } from 'vitest';
import type { Conv2dLayer } from '../../src/main/engine/networks';
import { attr } from '../../src/main/engine/onnx/graph-builder';
import { emitOutputPhasesConv } from '../../src/main/engine/onnx/output-phases';
import { probeValues, timeForms, type Form } from './helpers/onnx-forms';

const C = 64;
const K = 3;
const S = Number(process.env.PROBE_S ?? 512);
const w = probeValues(K * C * 49, 1);
const bias = probeValues(K, 3);
const layer = { kind: 'conv2d', inChannels: C, outChannels: K, kernel: 7, stride: 1, padding: 0, module: 'm', weight: { key: 'w' }, bias: { key: 'b' } } as unknown as Conv2dLayer;

const forms: Record<string, Form> = {
  direct: (g, x) => g.node('Conv', [x, g.floatInitializer('w', [K, C, 7, 7], w), g.floatInitializer('b', [K], bias)], [attr.ints('kernel_shape', [7, 7])]),
  phases: (g, x) => emitOutputPhasesConv(g, layer, x, { kernel: () => w, bias: () => bias }),
};

it('times each form', () => timeForms(forms, [1, C, S + 6, S + 6], [1, K, S, S]));
