/** What the Node global setup hands the Worker tests, and helpers to put it into the real local R2. */
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import type { Manifest } from "../../src/core/manifest.js";
import type { TensorDType } from "../../src/core/tensor.js";
import type { RegistryStateInput } from "../../src/registry/state.js";
import type { OnlineWeatherFixture } from "./online-weather-setup.js";
import type { TabularFixture } from "./tabular-setup.js";
import type { WeatherFixture } from "./weather-setup.js";

export interface VersionFixture {
  manifest: Manifest;
  /** File name to base64 contents. */
  files: Record<string, string>;
}

/** A zoo model published under an input kind (built by kind-fixtures.ts in Node). */
export interface KindFixture {
  manifest: Manifest;
  /** The version folder's files, base64: model.onnx (external data inlined), assets, profile.json. */
  files: Record<string, string>;
  /** Request instances, by request name. */
  requests: Record<string, unknown[]>;
  /** onnxruntime-node's outputs on the kind's feeds of each request: request, then output name. */
  reference: Record<string, Record<string, number[]>>;
  /** The kind's feeds of each request, as the `inputs` of a tensors request (base64 bytes). */
  tensors: Record<string, Record<string, { dims: number[]; dtype: TensorDType; b64: string }>>;
}

/** A zoo fixture imported, profiled and laid out for upload by the toolchain (zoo-setup.ts). */
export interface ZooVersion {
  manifest: Manifest;
  /** File name to base64 contents, the manifest excluded. */
  files: Record<string, string>;
  /** The fixture's sample request's tensors. */
  sample: Record<string, { dims: number[]; dtype: string; data: number[] }>;
  /** onnxruntime-node's outputs for the sample, on the imported bytes. */
  reference: Record<string, { dims: number[]; data: number[] }>;
}

export interface Fixtures {
  emails: Array<{ id: string; group: string; text: string }>;
  versions: VersionFixture[];
  tensorModel: { bytes: string; sha256: string };
  /** spam's signature with NaN weights (tensor-model.ts): loads, runs, answers nothing finite. */
  nanModel: { bytes: string; sha256: string };
  /** The zoo's cnn under the image kind, its encoder under the wordpiece-text kind. */
  kinds: { image: KindFixture; wordpiece: KindFixture };
  /** weather.csv rows through the dataset module, and a model answering the matrix it is fed. */
  tabular: TabularFixture;
  /** Seattle's and New York's held-out 2015 days, and what Node measured of models/weather on them. */
  weather: WeatherFixture;
  /** New York's 2015 and 2014 days for online updates of models/weather/1, and its labels of 2014. */
  onlineWeather: OnlineWeatherFixture;
  tensorInputs: { x: number[]; ids: number[] };
  /** onnxruntime-node outputs: `name@version` (on `emails`) or `tensor`, then output name to values. */
  reference: Record<string, Record<string, number[]>>;
  /**
   * Labelled mails of each collection's held-out test split (the split the shipped model of that
   * collection was trained with), replayed as live traffic by the promotion tests.
   */
  replay: Record<"2002" | "2003", ReplayMail[]>;
  /** Mails of the 2003 training split (none in `replay`), for online updates to learn from. */
  learn2003: ReplayMail[];
  /** The longest mail of each collection (over 100 000 characters in both). */
  longest: Record<"2002" | "2003", string>;
  /** onnxruntime-node's predicted label per replayed mail: `name@version`, then collection. */
  replayReference: Record<string, Partial<Record<"2002" | "2003", string[]>>>;
  /** models/zoo, by fixture name. */
  zoo: Record<string, ZooVersion>;
}

export interface ReplayMail {
  id: string;
  text: string;
  label: string;
}

declare module "vitest" {
  interface ProvidedContext {
    fixtures: Fixtures;
    /** Base URL of a webhook receiver on the loopback (global-setup.ts). */
    webhookReceiver: string;
  }
}

export const fixtures = inject("fixtures");

export function decode(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

export function shippedVersion(name: string, version: number): VersionFixture {
  const found = fixtures.versions.find((v) => v.manifest.name === name && v.manifest.version === version);
  if (!found) throw new Error(`models/${name}/${version} is not shipped`);
  return found;
}

/** Uploads a version folder the way `vane publish` lays it out. */
export async function putVersion(manifest: Manifest, files: Record<string, Uint8Array>): Promise<void> {
  const folder = `models/${manifest.name}/${manifest.version}/`;
  for (const [file, bytes] of Object.entries(files)) await env.MODELS.put(folder + file, bytes);
  await env.MODELS.put(`${folder}manifest.json`, JSON.stringify(manifest));
}

/** Uploads a shipped version under `asName` (so tests can own their model and state). */
export async function putShippedVersion(name: string, version: number, asName = name): Promise<Manifest> {
  const shipped = shippedVersion(name, version);
  const manifest = { ...shipped.manifest, name: asName };
  const files = Object.fromEntries(
    Object.entries(shipped.files)
      .filter(([file]) => file !== "manifest.json")
      .map(([file, content]) => [file, decode(content)]),
  );
  await putVersion(manifest, files);
  return manifest;
}

export async function putState(state: Partial<RegistryStateInput> & { name: string }): Promise<void> {
  const full: RegistryStateInput = {
    active: null,
    previous: [],
    candidate: null,
    updatedAt: new Date().toISOString(),
    ...state,
  };
  await env.MODELS.put(`registry/${state.name}/state.json`, JSON.stringify(full));
}

export function maxAbsDifference(actual: readonly number[], expected: readonly number[]): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  return Math.max(...actual.map((value, i) => Math.abs(value - expected[i])));
}

/** `binding` with the methods in `failing` rejecting when `when(args)` holds. */
export function failing<T extends object>(
  binding: T,
  failing: Record<string, (args: unknown[]) => boolean>,
): T {
  return new Proxy(binding, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      const when = failing[String(property)];
      return (...args: unknown[]) =>
        when?.(args)
          ? Promise.reject(new Error(`injected ${String(property)} failure`))
          : value.apply(target, args);
    },
  });
}
