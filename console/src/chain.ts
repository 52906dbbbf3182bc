// The node this page came from, and what the page trusts: the genesis document it shows the
// hash of (and that a user may pin). Every "verified" mark comes from checks run here, with
// the SDK's verifier, never from the node's word.

import { type Api, Citychain, TrustRoot, toHex } from "../../sdk/ts/src/index.js";
import { h, replace, short } from "./dom.js";
import { t } from "./i18n.js";

export const chain = new Citychain(location.origin);

export interface Trust {
  genesis: Api.Genesis;
  root: TrustRoot;
  hash: string;
}

let trust: Trust | undefined;

/**
 * The genesis document and the trust root built from it. The document (with the genesis
 * applications' code, about 1.5 MB on a dev chain) is kept in the browser under its hash, as
 * this page computes it, so later visits fetch only the node's status.
 */
export async function loadTrust(): Promise<Trust> {
  if (!trust) {
    const { genesis_hash } = await chain.rpc.call("chain_status");
    const key = `citychain.genesis.${genesis_hash}`;
    trust = fromCache(key, genesis_hash) ?? build(await chain.rpc.call("chain_getGenesis"));
    if (trust.hash === genesis_hash && localStorage.getItem(key) === null) {
      try {
        localStorage.setItem(key, JSON.stringify(trust.genesis));
      } catch {
        // The browser's storage is full: fetch it again next time.
      }
    }
  }
  return trust;
}

function build(genesis: Api.Genesis): Trust {
  const root = new TrustRoot(genesis);
  return { genesis, root, hash: toHex(root.genesisHash) };
}

/** A kept genesis document, if it hashes to `hash` (anything else in storage is ignored). */
function fromCache(key: string, hash: string): Trust | undefined {
  try {
    const text = localStorage.getItem(key);
    const kept = text === null ? undefined : build(JSON.parse(text) as Api.Genesis);
    return kept?.hash === hash ? kept : undefined;
  } catch {
    return undefined;
  }
}

const PIN = "citychain.genesis";
export const pinnedGenesis = (): string | null => localStorage.getItem(PIN);
export const pinGenesis = (hash: string): void => localStorage.setItem(PIN, hash);

/** Whether the node's genesis differs from the one the user pinned (then nothing verifies). */
export function genesisMismatch(t: Trust): boolean {
  const pinned = pinnedGenesis();
  return pinned !== null && pinned !== t.hash;
}

/**
 * A mark that runs `check` (which returns what it checked, one line each) and shows
 * "Verified" with those lines and the genesis hash, or "Verification failed" with the reason.
 */
export function verifiedMark(check: (trust: Trust) => Promise<string[]>): HTMLElement {
  const mark = h("div", { class: "verify pending", role: "status" }, t("Checking…"));
  void (async () => {
    try {
      const root = await loadTrust();
      if (genesisMismatch(root)) throw new Error(t("This node's genesis {g} differs from the one you pinned ({p}). Nothing it shows is verified.", { g: root.hash, p: pinnedGenesis() ?? "" }));
      const lines = await check(root);
      mark.className = "verify ok";
      replace(
        mark,
        h("strong", {}, "✓ ", t("Verified")),
        " · ",
        t("Checked in this page"),
        h("ul", {}, ...lines.map((l) => h("li", {}, l))),
        h("small", {}, t("against genesis {g}", { g: "" }), short(root.hash, 8)),
      );
    } catch (e) {
      mark.className = "verify bad";
      replace(mark, h("strong", {}, "✗ ", t("Verification failed")), ": ", (e as Error).message);
    }
  })();
  return mark;
}

/** Verifies the header of `height` (learning epochs as needed); returns it and the lines saying what was checked. */
export async function checkHeader(root: Trust, height: number): Promise<{ header: Api.BlockHeader; lines: string[] }> {
  const info = await chain.rpc.call("chain_getHeader", height);
  if (info.finality) await chain.learnEpochs(root.root, info.finality.epoch);
  const header = root.root.verifyHeader(info);
  const f = info.finality!;
  const n = root.root.validators(f.epoch)?.length ?? 0;
  return {
    header,
    lines: [t("finality certificate of block {h}: {k} of {n} validators of epoch {e} signed", { h: f.finalized_height, k: f.signers.length, n, e: f.epoch })],
  };
}
