/**
 * What every benchmark reports: figures, not pass/fail. Each compares against a baseline measured
 * in the same run, so the ratios hold across machines, and says the target.
 */
import { performance } from "node:perf_hooks";

export interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target?: string;
}

export interface BenchContext {
  /** `npm run bench -- --scale`: the long, full-size runs (10,000 waiting threads…). */
  scale: boolean;
}

/** One benchmark file: `bench/<topic>.bench.ts` exporting `bench`. */
export type Bench = (context: BenchContext) => Promise<Row[]>;

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export function ratio(value: number, baseline: number): number {
  return round(value / Math.max(baseline, 1e-9));
}

/** Runs `run` `iterations` times in sequence and returns each duration in milliseconds. */
export async function time(iterations: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

export function printTable(rows: readonly Row[]): void {
  const header = ["benchmark", "value", "unit", "baseline", "ratio", "target"];
  const table = rows.map((row) => [
    row.name,
    String(row.value),
    row.unit,
    row.baseline === undefined ? "" : String(row.baseline),
    row.ratio === undefined ? "" : `${row.ratio}×`,
    row.target ?? "",
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((line) => (line[column] ?? "").length)),
  );
  const format = (line: string[]) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ");
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const line of table) console.log(format(line));
}
