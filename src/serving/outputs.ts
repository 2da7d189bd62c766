/** The tensors of an answer as JSON: for raw models, and for callers who sent tensors. */
import type { HostTensor } from "../core/tensor.js";

export interface TensorOutput {
  dims: number[];
  data: number[];
}

export function tensorOutputs(outputs: Readonly<Record<string, HostTensor>>): Record<string, TensorOutput> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, tensor]) => [
      name,
      { dims: [...tensor.dims], data: Array.from(tensor.data as ArrayLike<number | bigint>, Number) },
    ]),
  );
}
