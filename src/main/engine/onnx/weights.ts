/**
 * Where an ONNX graph's weights come from: a live `Network` (TF.js variables, converted back
 * to PyTorch layouts) or a spec with a PyTorch state_dict (checked as `load_state_dict` with
 * strict=True would). ONNX wants exactly the PyTorch layouts (NCHW; Conv weights
 * `[out, in, kH, kW]`, ConvTranspose weights `[in, out, kH, kW]`), so state_dict values go in
 * unchanged.
 */
import type { StateDict } from '../io/tensor-data';
import {
  Network,
  StateDictError,
  compareStateDict,
  describeOptions,
  patchInstanceNormStateDict,
  stateEntries,
  toTorchLayout,
  type NetworkOptions,
  type NetworkSpec,
  type StateEntry,
} from '../networks';
import { floatValues } from '../networks/state-dict';

/**
 * A network to export: built and loaded, or as its definition plus weights (with the options
 * it was built from, when known, for the model's description).
 */
export type OnnxSource = Network | { spec: NetworkSpec; stateDict: StateDict; options?: NetworkOptions };

export interface WeightReader {
  spec: NetworkSpec;
  /** One line on what the network is, for the model's doc string. */
  description: string;
  /** An entry's values in PyTorch layout (read-only: may be the caller's own array). */
  values(entry: StateEntry): Float32Array;
}

export function weightReader(source: OnnxSource): WeightReader {
  if (source instanceof Network) {
    if (source.isDisposed) throw new Error(`cannot export ${source.spec.className}: the network has been disposed`);
    return {
      spec: source.spec,
      description: `${source.spec.className} (${describeOptions(source.options)})`,
      values(entry) {
        const v = entry.kind === 'param' ? source.params.get(entry.key) : source.buffers.get(entry.key);
        if (!v) throw new Error(`${source.spec.className}: no variable for ${entry.key}`);
        return toTorchLayout(entry, v.dataSync() as Float32Array);
      },
    };
  }
  const { spec } = source;
  const patched = patchInstanceNormStateDict(spec, source.stateDict);
  const cmp = compareStateDict(spec, patched.sd, patched.dropped);
  if (cmp.missing.length || cmp.unexpected.length || cmp.mismatched.length) {
    throw new StateDictError(`state_dict does not fit ${spec.className}`, cmp);
  }
  const wanted = new Set(stateEntries(spec).map((e) => e.key));
  return {
    spec,
    description: source.options ? `${spec.className} (${describeOptions(source.options)})` : spec.className,
    values(entry) {
      if (!wanted.has(entry.key)) throw new Error(`${spec.className} has no entry ${entry.key}`);
      return floatValues(entry.key, patched.sd.get(entry.key)!);
    },
  };
}
