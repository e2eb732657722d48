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

  it('adds the inference engine when there is one, with the provider it runs on', () => {
    const inference = (providers: string[]) => ({ name: 'onnxruntime' as const, device: 'CPU, 2 threads (ONNX Runtime 1.30.0)', providers });
    expect(backendLabel(info({ name: 'wasm', threads: 2, inference: inference(['cpu']) }))).toBe('wasm · 2 threads + ONNX Runtime (CPU)');
    expect(backendLabel(info({ name: 'tensorflow', inference: inference(['cuda', 'cpu']) }))).toBe('tfjs-node + ONNX Runtime (CUDA)');
  });

  it('colours the state dot by what the user should do about it', () => {
    expect(engineStateTone('ready')).toBe('ok');
    expect(engineStateTone('busy')).toBe('busy');
    expect(engineStateTone('starting')).toBe('warn');
    expect(engineStateTone('crashed')).toBe('error');
  });
});
