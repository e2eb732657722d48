/**
 * Is there a CUDA device for @tensorflow/tfjs-node-gpu to use? Loading that package without
 * one costs seconds (libtensorflow with its CUDA libraries) only to end up on the CPU, so
 * selection asks the NVIDIA driver first.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export type CudaProbe = { found: true; name: string } | { found: false; reason: string };

const NVIDIA_SMI_TIMEOUT_MS = 5000;

function runNvidiaSmi(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.total', '--format=csv,noheader'],
      { timeout: NVIDIA_SMI_TIMEOUT_MS, windowsHide: true },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

/** Linux without nvidia-smi on PATH: the kernel driver lists its GPUs under /proc. */
async function procDriverGpus(): Promise<string[]> {
  const root = '/proc/driver/nvidia/gpus';
  const names: string[] = [];
  for (const bus of await readdir(root)) {
    const info = await readFile(join(root, bus, 'information'), 'utf8');
    const model = /^Model:\s*(.+)$/m.exec(info)?.[1]?.trim();
    if (model) names.push(model);
  }
  return names;
}

/** The first CUDA device the NVIDIA driver reports, by name, or why there is none. */
export async function detectCudaDevice(): Promise<CudaProbe> {
  if (process.platform === 'darwin') return { found: false, reason: 'CUDA is not available on macOS' };
  let smiError: string;
  try {
    const lines = (await runNvidiaSmi())
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (lines.length > 0) {
      const [name, memory] = lines[0]!.split(',').map((s) => s.trim());
      const more = lines.length > 1 ? ` (+${lines.length - 1} more)` : '';
      return { found: true, name: `${name}${memory ? `, ${memory}` : ''}${more}` };
    }
    smiError = 'nvidia-smi lists no GPU';
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    smiError = e.code === 'ENOENT' ? 'nvidia-smi not found' : `nvidia-smi failed: ${e.message.split('\n')[0]}`;
  }
  if (process.platform === 'linux') {
    try {
      const names = await procDriverGpus();
      if (names.length > 0) return { found: true, name: names[0]! };
    } catch {
      // No /proc/driver/nvidia: no NVIDIA kernel driver loaded.
    }
  }
  return { found: false, reason: `no NVIDIA GPU driver found (${smiError})` };
}
