/** The tensors kind: no preprocessing; `inputs` carries the tensors (instances are refused). */
import type { DriftFeatureRef, InputKind } from "../kind.js";
import { TensorsSpec } from "./schema.js";

/** Most drift features the default profile proposes per input tensor (the manifest allows 32 in all). */
const MAX_DEFAULT_INPUTS = 8;

export const tensors = {
  kind: "tensors",
  spec: TensorsSpec,
  driftFeatures: [],
  feeds: () => [],
  defaultDrift: (_spec, inputs) =>
    inputs.slice(0, MAX_DEFAULT_INPUTS).flatMap(
      (input): Array<DriftFeatureRef & { tensor: string }> => [
        { kind: "tensor-mean", name: `${input.name}.mean`, tensor: input.name },
        { kind: "tensor-std", name: `${input.name}.std`, tensor: input.name },
        { kind: "zero-share", name: `${input.name}.zero_share`, tensor: input.name },
      ],
    ),
} satisfies InputKind<TensorsSpec, never>;
