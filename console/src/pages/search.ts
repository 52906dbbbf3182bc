// The search box: a height, a block or transaction hash, an address, or a certificate link.

import { chain } from "../chain.js";
import { application } from "./tx.js";

/** Where a query leads, or null if nothing matches. */
export async function resolve(query: string): Promise<string | null> {
  const q = query.trim();
  if (/^[0-9]+$/.test(q)) return `#/block/${q}`;
  if (q.startsWith("citychain-cert:")) return `#/cert/${encodeURIComponent(q)}`;
  if (/^0x[0-9a-fA-F]{64}$/.test(q)) {
    const hash = q.toLowerCase();
    if (await chain.rpc.call("tx_get", hash).catch(() => null)) return `#/tx/${hash}`;
    if (await chain.rpc.call("chain_getHeader", hash).catch(() => null)) return `#/block/${hash}`;
    return null;
  }
  if (/^0x[0-9a-fA-F]{40}$/.test(q)) {
    // Addresses, asset ids, collection ids and offer ids are all 20 bytes: ask what it is.
    const id = q.toLowerCase();
    const exists = (p: Promise<unknown>) => p.then(() => true, () => false);
    if (await exists(chain.rpc.call("contract_getInfo", id))) return `#/contract/${id}`;
    if (await exists(chain.rpc.call("asset_getClass", id))) return `#/asset/${id}`;
    if (await exists(chain.rpc.call("asset_getCollection", id))) return `#/collection/${id}`;
    if (await exists(chain.rpc.call("asset_getOffer", id))) return `#/offer/${id}`;
    return `#/account/${id}`;
  }
  // Anything else may be a product batch's code.
  const traced = await application("trace");
  if (q && traced && (await traced.query("batch_of", [q]).then(() => true, () => false))) return `#/trace/${encodeURIComponent(q)}`;
  return null;
}
