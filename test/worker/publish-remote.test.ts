/** `vane publish --remote`'s registration step, run against the real Worker's admin API. */
import { describe, expect, it } from "vitest";
import { RegistrationError, registerRemote } from "../../src/toolchain/remote-registry.js";
import { WorkerClient } from "../../src/toolchain/worker-client.js";
import { putShippedVersion, putState } from "./fixtures.js";
import { ADMIN_TOKEN, settled, stateOf } from "./promotion-fixture.js";

const worker = new WorkerClient({ url: "https://vane.test", token: ADMIN_TOKEN }, (request) =>
  settled(request),
);
const shadow = { mode: "shadow", share: 0.1 } as const;

describe("registering an uploaded version", () => {
  it("makes the first version of a model the Worker has never seen its active version", async () => {
    const model = "remote-new-model";
    await putShippedVersion("spam", 1, model);
    expect(await registerRemote(worker, { name: model, version: 1 }, shadow)).toBe("active");
    expect(await stateOf(model)).toMatchObject({ active: 1, candidate: null });
  });

  it("makes a later version of a known model its candidate", async () => {
    const model = "remote-known-model";
    await putShippedVersion("spam", 1, model);
    await putShippedVersion("spam", 2, model);
    await putState({ name: model, active: 1 });
    expect(await registerRemote(worker, { name: model, version: 2 }, shadow)).toBe("candidate");
    expect(await stateOf(model)).toMatchObject({
      active: 1,
      candidate: { version: 2, mode: "shadow", share: 0.1 },
    });
  });

  it("reports the Worker's refusal of a version that is not in the bucket", async () => {
    const attempt = registerRemote(worker, { name: "remote-not-uploaded", version: 1 }, shadow);
    await expect(attempt).rejects.toThrow(RegistrationError);
    await expect(attempt).rejects.toThrow(/failed: .*no version 1/);
  });
});
