/**
 * What a .pth checkpoint holds, read from its keys and shapes: what `atelier inspect`
 * prints and what the import dialog shows before a reference model joins the library.
 */
import { readPth } from '../io/pth';
import { describeOptions, discriminatorSpec, generatorSpec, inferArchitecture, parameterCount } from '../networks';
import type { InspectResult } from '../../../shared/api/translate';

export async function inspectPth(path: string): Promise<InspectResult> {
  const sd = await readPth(path);
  const found = (() => {
    try {
      return inferArchitecture(sd);
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`);
    }
  })();
  const notes = [...found.notes];
  if (found.role === 'generator') {
    const o = found.options;
    const params = parameterCount(generatorSpec(o));
    if (!found.dropoutInferred) notes.push('dropout: not recorded in the weights; the reference trains pix2pix with it');
    return {
      path,
      role: 'generator',
      description: `generator ${describeOptions(o)}`,
      generator: {
        netG: o.netG,
        ngf: o.ngf,
        norm: o.norm,
        inputNc: o.inputNc,
        outputNc: o.outputNc,
        useDropout: o.useDropout,
        params,
      },
      tensors: sd.size,
      params,
      notes,
    };
  }
  return {
    path,
    role: 'discriminator',
    description: `discriminator ${describeOptions(found.options)}`,
    tensors: sd.size,
    params: parameterCount(discriminatorSpec(found.options)),
    notes,
  };
}
