/**
 * `atelier inspect <file.pth>`: the reference network a checkpoint holds, read from its
 * keys and shapes (no code in the file runs: the .pth reader allows tensors only).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inspectPth } from '../engine/jobs/translate-inspect';
import { CliUsageError, type CliCommand } from './command';

const USAGE = `Usage: atelier inspect <checkpoint.pth> [--json]

Print the architecture of a PyTorch checkpoint of the reference implementation
(pytorch-CycleGAN-and-pix2pix): generator or discriminator, netG/netD, channels, ngf/ndf,
normalisation and parameter count.
  --json    print the result as one JSON object`;

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'print the network architecture a .pth checkpoint holds',
  usage: USAGE,
  async run(args, ctx) {
    let parsed;
    try {
      parsed = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true });
    } catch (err) {
      throw new CliUsageError((err as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new CliUsageError('name exactly one .pth file');
    const result = await inspectPth(resolve(parsed.positionals[0]!));
    if (parsed.values.json) {
      ctx.out(JSON.stringify(result));
      return 0;
    }
    ctx.out(result.path);
    ctx.out(`  ${result.description}`);
    if (result.generator) {
      const g = result.generator;
      ctx.out(`  netG ${g.netG}  ngf ${g.ngf}  norm ${g.norm}  input_nc ${g.inputNc}  output_nc ${g.outputNc}`);
    }
    ctx.out(`  ${result.params.toLocaleString('en-US')} parameters in ${result.tensors} tensors`);
    for (const note of result.notes) ctx.out(`  note: ${note}`);
    return 0;
  },
};
