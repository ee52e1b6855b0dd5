// W1 peer for costsim_bench in Squiggle (@quri/squiggle-lang, run with node):
// the sum of the 40 triangular elements of bench/w1/model/elements.csv as
// one Squiggle expression, evaluated with sampleCount = TRIALS samples, and
// the total's mean and P80.
//
// Usage: (cd bench/peers && npm install) once, then
//        node bench/peers/w1_squiggle.mjs [TRIALS] [SEED]   (defaults 1000000, 2026)
import fs from "fs";
import path from "path";
import { fileURLToPath } from "url";
import { run } from "@quri/squiggle-lang";

const trials = Math.round(Number(process.argv[2] ?? "1000000"));
const seed = process.argv[3] ?? "2026";
const here = path.dirname(fileURLToPath(import.meta.url));
const file = path.join(here, "..", "w1", "model", "elements.csv");
const lines = fs.readFileSync(file, "utf8").split(/\r?\n/)
  .filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
const header = lines[0].split(",");
const col = (name) => header.indexOf(name);
const terms = lines.slice(1).map((l) => {
  const f = l.split(",");
  if (f[col("dist")] !== "triangular") throw new Error(`${file}: ${f[0]} is not triangular`);
  return `triangular(${f[col("low")]}, ${f[col("likely")]}, ${f[col("high")]})`;
});
const code = `total = ${terms.join(" + ")}\n{mean: mean(total), p80: quantile(total, 0.8)}\n`;
const out = await run(code, {
  environment: { sampleCount: trials, xyPointLength: 1000, seed },
});
if (!out.result.ok) {
  console.error(out.result.value.toString());
  process.exit(1);
}
console.log(`elements ${terms.length} trials ${trials} ${out.result.value.result.toString()}`);
