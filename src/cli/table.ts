/** Plain-text tables for people: columns padded to their widest cell, numbers aligned right. */

export type Cell = string | number | null;

const NUMERIC = /^-?[\d.,]+(?:%| ms)?$/;

export function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => row.map((cell) => (cell === null ? "-" : String(cell))));
  const widths = header.map((title, i) => Math.max(title.length, ...text.map((row) => row[i]?.length ?? 0)));
  const right = header.map((_, i) => text.length > 0 && text.every((row) => NUMERIC.test(row[i] ?? "")));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n");
}

export const percent = (share: number | null | undefined, digits = 1) =>
  share === null || share === undefined ? null : `${(share * 100).toFixed(digits)}%`;
