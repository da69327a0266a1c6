/**
 * Delegate benchmarks: every `bench/*.bench.ts`, one after the other, printed as one table and one
 * JSON line. Figures, not pass/fail; each has a same-run baseline and the issue's target.
 *
 *   npm run bench                    # all benchmarks, default sizes
 *   npm run bench -- --scale         # the long, full-size runs too
 *   npm run bench -- approvals turn  # only files whose name contains one of the words
 */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Bench, printTable, type Row } from "./report.js";

const args = process.argv.slice(2);
const scale = args.includes("--scale");
const filters = args.filter((arg) => !arg.startsWith("--"));
const folder = fileURLToPath(new URL(".", import.meta.url));
const files = readdirSync(folder)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => filters.length === 0 || filters.some((word) => file.includes(word)))
  .sort();

const rows: Row[] = [];
for (const file of files) {
  const module = (await import(pathToFileURL(`${folder}${file}`).href)) as { bench: Bench };
  process.stderr.write(`bench: ${file}…\n`);
  const started = Date.now();
  rows.push(...(await module.bench({ scale })));
  process.stderr.write(`bench: ${file} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
printTable(rows);
console.log(JSON.stringify({ node: process.version, scale, results: rows }));
