/** The split of labelled feedback rows that `vane retrain` trains, early-stops and judges on. */
import { UnprocessableError } from "../../core/errors.js";
import { deriveSeed, Prng } from "../../core/learn/prng.js";

export /** Stratified, seeded: per label, the first `heldOut` share is held out, the next `validation` share validates. */
function splitFeedback(
  labels: Uint8Array,
  classes: number,
  heldOut: number,
  validation: number,
  seed: number,
): { train: number[]; validation: number[]; heldOut: number[] } {
  const random = new Prng(deriveSeed(seed, "feedback-split"));
  const parts = { train: [] as number[], validation: [] as number[], heldOut: [] as number[] };
  for (let label = 0; label < classes; label++) {
    const members = random.shuffle(Array.from(labels.keys()).filter((row) => labels[row] === label));
    const held = Math.round(members.length * heldOut);
    const validating = Math.round((members.length - held) * validation);
    parts.heldOut.push(...members.slice(0, held));
    parts.validation.push(...members.slice(held, held + validating));
    parts.train.push(...members.slice(held + validating));
  }
  for (const [name, part] of Object.entries(parts)) {
    if (part.length === 0) {
      throw new UnprocessableError(
        `the ${labels.length} feedback rows leave no ${name} rows: send more feedback or change the fractions`,
      );
    }
    random.shuffle(part);
  }
  return parts;
}
