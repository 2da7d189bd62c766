/** File I/O for the toolchain: clear errors for missing inputs, and writes that never leave a partial file. */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { NotFoundError, UnprocessableError } from "../core/errors.js";

export async function readInputFile(path: string, what = "file"): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new NotFoundError(`${what} ${path} does not exist`);
    const reason = code === "EISDIR" ? "is a directory" : "cannot be read";
    throw new UnprocessableError(`${what} ${path} ${reason}`, { cause: error });
  }
}

export async function readJsonFile<T = unknown>(path: string, what = "JSON file"): Promise<T> {
  const bytes = await readInputFile(path, what);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (error) {
    throw new UnprocessableError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Writes through a temporary sibling and renames it into place, so a crash leaves no half-written file. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
