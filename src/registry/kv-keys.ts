/** The KV layout, the only place a KV key is spelled: registry state copies and parked drift samples. */
export const kvKeys = {
  /** The edge's copy of a model's registry state. */
  state: (name: string) => `state:${name}`,
  /** Drift samples parked when the queue refused them, listed oldest bucket first. */
  parkedSamplesPrefix: "samples/",
  parkedSamples: (bucket: number, id: string) => `samples/${String(bucket).padStart(15, "0")}/${id}`,
};
