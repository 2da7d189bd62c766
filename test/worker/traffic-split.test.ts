/**
 * The canary and shadow shares the predict path draws, for keys as callers send them: each family
 * must split like random keys (within four binomial standard deviations of the share).
 */
import { describe, expect, it } from "vitest";
import { RegistryState } from "../../src/registry/state.js";
import { candidateRoute } from "../../src/serving/predictor.js";
import { fairRange, keyFamilies } from "../node/key-families.js";

function withCandidate(mode: "canary" | "shadow", share: number): RegistryState {
  return RegistryState.parse({
    name: "spam",
    active: 1,
    candidate: { version: 2, mode, share, since: "2026-12-01T12:00:00.000Z" },
    updatedAt: "2026-12-01T12:00:00.000Z",
  });
}

describe("the canary share", () => {
  for (const [family, keys] of Object.entries(keyFamilies)) {
    it(`sends a 0.3 share of callers keyed ${family} to the candidate`, () => {
      const state = withCandidate("canary", 0.3);
      const toCandidate = keys.filter((key) => candidateRoute(state, "req-1", key).canary === 2).length;
      const [low, high] = fairRange(keys.length, 0.3);
      expect(toCandidate).toBeGreaterThanOrEqual(low);
      expect(toCandidate).toBeLessThanOrEqual(high);
    });
  }
});

describe("the shadow share", () => {
  for (const [family, ids] of Object.entries(keyFamilies)) {
    it(`shadows a 0.1 share of request ids ${family}`, () => {
      const state = withCandidate("shadow", 0.1);
      const shadowed = ids.filter((id) => candidateRoute(state, id, id).shadow === 2).length;
      const [low, high] = fairRange(ids.length, 0.1);
      expect(shadowed).toBeGreaterThanOrEqual(low);
      expect(shadowed).toBeLessThanOrEqual(high);
    });
  }
});
