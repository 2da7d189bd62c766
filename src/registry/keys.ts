/** The R2 layout: immutable version folders, and one mutable state object per model. */
export const keys = {
  versionPrefix: (name: string) => `models/${name}/`,
  versionFolder: (name: string, version: number) => `models/${name}/${version}/`,
  manifest: (name: string, version: number) => `models/${name}/${version}/manifest.json`,
  artifact: (name: string, version: number, file: string) => `models/${name}/${version}/${file}`,
  registryPrefix: "registry/",
  state: (name: string) => `registry/${name}/state.json`,
  stateCache: (name: string) => `state:${name}`,
};
