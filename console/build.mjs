// Builds the console into dist/ (committed: the node embeds it, so running a node needs no
// npm). The build is deterministic; `node build.mjs --check` fails if dist/ differs from what
// the sources build to.
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const check = process.argv.includes("--check");
const out = check ? mkdtempSync(join(tmpdir(), "console-")) : join(here, "dist");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "none",
  charset: "utf8",
  outfile: join(out, "console.js"),
  logLevel: "warning",
});
for (const file of readdirSync(join(here, "static"))) copyFileSync(join(here, "static", file), join(out, file));

if (check) {
  const dist = join(here, "dist");
  const names = [...new Set([...readdirSync(out), ...readdirSync(dist)])].sort();
  const stale = names.filter((n) => {
    try {
      return !readFileSync(join(out, n)).equals(readFileSync(join(dist, n)));
    } catch {
      return true;
    }
  });
  rmSync(out, { recursive: true, force: true });
  if (stale.length) {
    console.error(`console/dist is not what console/src builds to (${stale.join(", ")}): run \`npm run build\` in console/ and commit dist/`);
    process.exit(1);
  }
  console.log("console/dist matches its sources");
} else {
  const size = readdirSync(out).map((n) => `${n} ${readFileSync(join(out, n)).length} B`);
  console.log(`built console/dist: ${size.join(", ")}`);
}
