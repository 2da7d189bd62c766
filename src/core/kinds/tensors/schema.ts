/**
 * The tensors kind: the model is fed named tensors as they are, the default for imported models and
 * the form every model accepts. A tensor travels as a JSON array (`data`) or, for large inputs, as
 * base64 of its little-endian bytes (`b64`, with its dtype), so a 3x160x160 image fits the body limit.
 */
import { z } from "zod";
import { TensorDType } from "../../tensor.js";

export const TensorsSpec = z.object({ kind: z.literal("tensors") });
export type TensorsSpec = z.infer<typeof TensorsSpec>;

const Dims = z.array(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)).max(8);

/** One object for both forms, so a bad element is named by its own path (`data[3]`), not the union's. */
export const TensorInput = z
  .object({
    dims: Dims,
    dtype: TensorDType.optional(),
    data: z.array(z.union([z.number(), z.boolean()])).optional(),
    b64: z.string().optional(),
  })
  .strict()
  .superRefine((tensor, context) => {
    if ((tensor.data === undefined) === (tensor.b64 === undefined)) {
      context.addIssue({ code: "custom", path: ["data"], message: 'send exactly one of "data" or "b64"' });
    } else if (tensor.b64 !== undefined && tensor.dtype === undefined) {
      context.addIssue({ code: "custom", path: ["dtype"], message: "base64 tensors must name their dtype" });
    }
  });
export type TensorInput = z.infer<typeof TensorInput>;
