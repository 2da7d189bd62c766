/**
 * What the in-workerd benches compare vane with (--baseline overrides it): main just before issue
 * 16's changes (cold start, sampling defaults) landed.
 */
export const BASELINE_REF = "b4c2c32";

/** The git ref given with --baseline, else BASELINE_REF. */
export function baselineRef(argv: readonly string[] = process.argv): string {
  const at = argv.indexOf("--baseline");
  return at > 0 && argv[at + 1] ? argv[at + 1] : BASELINE_REF;
}
