/** What the status bar says about the compute backend, for each backend the engine can pick. */
import { describe, expect, it } from 'vitest';
import { backendLabel, engineStateTone } from '../../src/renderer/src/shell/backend-label';
import type { BackendInfo } from '../../src/shared/backend';

const info = (over: Partial<BackendInfo>): BackendInfo => ({ name: 'cpu', device: 'CPU', attempts: [], ...over });

describe('backendLabel', () => {
  it('names the CUDA device of tfjs-node-gpu', () => {
    expect(backendLabel(info({ name: 'tensorflow-gpu', device: 'NVIDIA GeForce RTX 4090 (CUDA 11.2)' }))).toBe(
      'tfjs-node-gpu · NVIDIA GeForce RTX 4090 (CUDA 11.2)',
    );
  });

  it('names tfjs-node and plain cpu by the backend alone', () => {
    expect(backendLabel(info({ name: 'tensorflow', device: 'CPU (oneDNN)' }))).toBe('tfjs-node');
    expect(backendLabel(info({ name: 'cpu', device: 'CPU (JavaScript)' }))).toBe('cpu');
  });

  it('counts the wasm threads', () => {
    expect(backendLabel(info({ name: 'wasm', device: 'CPU, SIMD', threads: 2 }))).toBe('wasm · 2 threads');
    expect(backendLabel(info({ name: 'wasm', device: 'CPU', threads: 1 }))).toBe('wasm · 1 thread');
  });

  it('adds the inference engine when there is one', () => {
    const withOrt = info({ name: 'wasm', threads: 2, inference: { name: 'onnxruntime', device: 'CPU', providers: ['cpu'] } });
    expect(backendLabel(withOrt)).toBe('wasm · 2 threads + ONNX Runtime (CPU)');
  });

  it('colours the state dot by what the user should do about it', () => {
    expect(engineStateTone('ready')).toBe('ok');
    expect(engineStateTone('busy')).toBe('busy');
    expect(engineStateTone('starting')).toBe('warn');
    expect(engineStateTone('crashed')).toBe('error');
  });
});
