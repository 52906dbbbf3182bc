import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const repo = fileURLToPath(new URL("../../../../", import.meta.url));

/** The test vectors of docs/protocol.md (its `json test-vectors` block). */
export function vectors(): any {
  const doc = readFileSync(join(repo, "docs/protocol.md"), "utf8");
  const start = doc.indexOf("```json test-vectors");
  const body = doc.slice(doc.indexOf("\n", start) + 1);
  return JSON.parse(body.slice(0, body.indexOf("\n```")));
}

/** The citychain binary the tests drive (CITYCHAIN_BIN, or the workspace's debug build). */
export const citychainBin = process.env.CITYCHAIN_BIN ?? join(repo, "target/debug/citychain");

export interface DevNode {
  url: string;
  dir: string;
  banner: any;
  process: ChildProcess;
  stop(): void;
}

/** Starts `citychain dev` on free ports in `dir` (default: a new one); resolves with its banner. */
export async function startDev(extra: string[] = [], dir = mkdtempSync(join(tmpdir(), "citychain-sdk-"))): Promise<DevNode> {
  const child = spawn(
    citychainBin,
    ["dev", "--json", "--data-dir", dir, "--rpc-addr", "127.0.0.1:0", "--verify-threads", "1", ...extra],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "warn" } },
  );
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const banner = await new Promise<any>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`citychain dev did not start in 60 s: ${stderr}`)), 60_000);
    child.on("exit", (code) => reject(new Error(`citychain dev exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const parsed = JSON.parse(line);
        if (parsed.rpc_url) {
          clearTimeout(timer);
          resolve(parsed);
        }
      } catch {
        // not the banner
      }
    });
  });
  return {
    url: banner.rpc_url,
    dir,
    banner,
    process: child,
    stop() {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function readJson(path: string): any {
  return JSON.parse(readFileSync(path, "utf8"));
}
