// wrangler (and the vitest pool) turn `.wasm` imports into precompiled WebAssembly.Module objects.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
