import { test } from 'vitest';
import { probeOnnxRuntime } from '../../src/main/engine/onnx';
test('p', async () => { console.log(JSON.stringify(await probeOnnxRuntime(), null, 1)); });
