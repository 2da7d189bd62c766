/**
 * Float64 arrays as base64 of little-endian IEEE-754 bytes: exact, and about 10.7 characters per
 * value where JSON decimal takes up to 24. Uses only btoa/atob, which Node and workerd both provide.
 */

export function encodeFloat64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  let binary = "";
  // Chunked so String.fromCharCode never gets more arguments than the engine allows.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function decodeFloat64(encoded: string): number[] {
  let binary: string;
  try {
    binary = atob(encoded);
  } catch {
    throw new Error("float64 data is not valid base64");
  }
  if (binary.length % 8 !== 0)
    throw new Error(`float64 data has ${binary.length} bytes, not a multiple of 8`);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const values = new Array<number>(bytes.length / 8);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat64(i * 8, true);
  return values;
}
