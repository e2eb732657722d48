import { test } from 'vitest';
import { GraphBuilder, attr } from '../../src/main/engine/onnx/graph-builder';
import { loadOnnxRuntime } from '../../src/main/engine/onnx';

const BIG = 2 ** 62;
const F23 = {
  m: 2,
  G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
  AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
};
const F43 = {
  m: 4,
  G: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
  BT: [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
  AT: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
};
function winogradGraph(C: number, K: number, w: Float32Array, F: typeof F23): Uint8Array {
  const { m, G, BT, AT } = F;
  const t = m + 2; // tile side
  const T2 = t * t;
  const g = new GraphBuilder();
  const x = g.input('input', [1, C, 'h', 'w']);
  const U = new Float32Array(T2 * K * C);
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) {
    const f = (u: number, v: number) => w[((k * C + c) * 3 + u) * 3 + v]!;
    for (let a = 0; a < t; a++) for (let b = 0; b < t; b++) {
      let s = 0;
      for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) s += G[a]![u]! * f(u, v) * G[b]![v]!;
      U[((a * t + b) * K + k) * C + c] = s;
    }
  }
  // D rows in the order (sy, sx, a, b) of the SpaceToDepth(m) blocks shifted by (sy, sx).
  const order: [number, number][] = [];
  for (let sy = 0; sy < 2; sy++) for (let sx = 0; sx < 2; sx++) for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) order.push([m * sy + a, m * sx + b]);
  const R = order.length; // 4 m^2
  const TB = new Float32Array(T2 * R);
  for (let xi = 0; xi < t; xi++) for (let nu = 0; nu < t; nu++) for (let d = 0; d < R; d++) { const [u, v] = order[d]!; if (u < t && v < t) TB[(xi * t + nu) * R + d] = BT[xi]![u]! * BT[nu]![v]!; }
  const TA = new Float32Array(m * m * T2);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let xi = 0; xi < t; xi++) for (let nu = 0; nu < t; nu++) TA[(a * m + b) * T2 + xi * t + nu] = AT[a]![xi]! * AT[b]![nu]!;
  const u = g.floatInitializer('U', [T2, K, C], U);
  const tb = g.floatInitializer('TB', [T2, R], TB);
  const ta = g.floatInitializer('TA', [m * m, T2], TA);
  const xp = m === 4 ? g.node('Pad', [x, g.int64Initializer('p2', [0, 0, 0, 0, 0, 0, 2, 2])]) : x;
  const s2d = g.node('SpaceToDepth', [xp], [attr.int('blocksize', m)]);
  const i64 = (n: string, v: number[]) => (g.hasInitializer(n) ? n : g.int64Initializer(n, v));
  const shifted = (sy: number, sx: number) => g.node('Slice', [s2d, i64(`st${sy}${sx}`, [sy, sx]), i64(`en${sy}${sx}`, [sy === 1 ? 2 ** 62 : -1, sx === 1 ? 2 ** 62 : -1]), i64('ax23', [2, 3])]);
  const D = g.node('Concat', [shifted(0, 0), shifted(0, 1), shifted(1, 0), shifted(1, 1)], [attr.int('axis', 1)]);
  const shp = g.node('Shape', [D]);
  const hw2 = g.node('Slice', [shp, i64('i2', [2]), i64('i4', [4])]);
  const Dflat = g.node('Reshape', [D, i64('dshape', [R, -1])]);
  const V = g.node('MatMul', [tb, Dflat]);
  const V3 = g.node('Reshape', [V, i64('v3', [T2, C, -1])]);
  const M = g.node('MatMul', [u, V3]);
  const Mflat = g.node('Reshape', [M, i64('mflat', [T2, -1])]);
  const Y = g.node('MatMul', [ta, Mflat]);
  const yshape = g.node('Concat', [i64('y1', [1, m * m * K]), hw2], [attr.int('axis', 0)]);
  const Y4 = g.node('Reshape', [Y, yshape]);
  const out = g.node('DepthToSpace', [Y4], [attr.int('blocksize', m), attr.string('mode', 'DCR')]);
  g.output(out, 'output', [1, K, 'oh', 'ow']);
  return g.encode('w', { producerVersion: '0', docString: '', props: {} });
}

test('wino', async () => {
  const ort = await loadOnnxRuntime();
  const C = 256, K = 256, H = 64;
  const rnd = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + s) * 0.05);
  const w = rnd(K * C * 9, 1);
  const conv = new GraphBuilder();
  { const x = conv.input('input', [1, C, 'h', 'w']); const wi = conv.floatInitializer('w', [K, C, 3, 3], w);
    conv.output(conv.node('Conv', [x, wi], [attr.ints('kernel_shape', [3, 3])]), 'output', [1, K, 'oh', 'ow']); }
  const opts = { executionProviders: ['cpu'], intraOpNumThreads: 2, graphOptimizationLevel: 'all', enableMemPattern: false, extra: { session: { 'intra_op.allow_spinning': '0' } } } as const;
  const sc = await ort.InferenceSession.create(conv.encode('c', { producerVersion: '0', docString: '', props: {} }), opts);
  const sw = await ort.InferenceSession.create(winogradGraph(C, K, w, F23), opts);
  const s4 = await ort.InferenceSession.create(winogradGraph(C, K, w, F43), opts);
  const xin = new ort.Tensor('float32', rnd(C * (H + 2) * (H + 2), 2), [1, C, H + 2, H + 2]);
  const a = (await sc.run({ input: xin })).output!.data as Float32Array;
  for (const sess of [sw, s4]) {
    const b = (await sess.run({ input: xin })).output!.data as Float32Array;
    let d = 0, mx = 0; for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i]! - b[i]!)); mx = Math.max(mx, Math.abs(a[i]!)); }
    console.log('WINO err', d, 'max', mx, a.length, b.length);
  }
  const tc: number[] = [], tw: number[] = [], t4: number[] = [];
  for (let r = 0; r < 12; r++) {
    let t0 = performance.now(); await sc.run({ input: xin }); tc.push(performance.now() - t0);
    t0 = performance.now(); await sw.run({ input: xin }); tw.push(performance.now() - t0);
    t0 = performance.now(); await s4.run({ input: xin }); t4.push(performance.now() - t0);
  }
  const s = (q: number[]) => { const z = [...q].sort((x, y) => x - y); return `min ${z[0]!.toFixed(1)} med ${z[6]!.toFixed(1)}`; };
  console.log('WINO direct', s(tc));
  console.log('WINO winograd F23', s(tw));
  console.log('WINO winograd F43', s(t4));
});
