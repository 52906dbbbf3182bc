// The SDK's method table is generated from docs/openrpc.json and must be current.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { METHOD_NAMES } from "../src/index.js";
import { repo } from "./helpers.js";

test("src/generated/api.ts is what scripts/generate.mjs makes of docs/openrpc.json", async () => {
  // @ts-ignore: a plain JavaScript module without types.
  const { generate } = await import(join(repo, "sdk/ts/scripts/generate.mjs"));
  const doc = JSON.parse(readFileSync(join(repo, "docs/openrpc.json"), "utf8"));
  const committed = readFileSync(join(repo, "sdk/ts/src/generated/api.ts"), "utf8");
  assert.ok(generate(doc) === committed, "stale: run `npm run generate` in sdk/ts and commit src/generated/api.ts");
  assert.deepEqual([...METHOD_NAMES], doc.methods.map((m: { name: string }) => m.name));
});
