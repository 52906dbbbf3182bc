// A transaction: who sent what, decoded (contract calls and events through the contract's
// metadata from the chain), and its receipt.

import { type Api, type Contract, fromHex, genesisContractAddress, toHex } from "../../../sdk/ts/src/index.js";
import { decodeFields } from "../../../sdk/ts/src/index.js";
import { checkHeader, chain, loadTrust, verifiedMark } from "../chain.js";
import { accountLink, amount, blockLink, facts, h, replace, short, table } from "../dom.js";
import { lang, t } from "../i18n.js";
import { status } from "./block.js";

/** One line saying what a payload does. */
export function payloadSummary(p: Api.Payload): string {
  switch (p.type) {
    case "transfer":
      return `transfer ${amount(p.amount, 0, lang())}`;
    case "call":
      return `call ${p.method}`;
    case "deploy":
      return "deploy";
    default:
      return `${p.type} ${"op" in p && p.op && typeof p.op === "object" && "op" in p.op ? String(p.op.op) : ""}`.trim();
  }
}

const contracts = new Map<string, Promise<Contract | null>>();
/** A contract with metadata, or null (fetched once per page load). */
export function contractAt(address: string): Promise<Contract | null> {
  if (!contracts.has(address)) contracts.set(address, chain.contract(address).catch(() => null));
  return contracts.get(address)!;
}

/** The genesis application `name` (its address derives from the name), or null if this chain has none. */
export async function application(name: string): Promise<Contract | null> {
  const trust = await loadTrust();
  return contractAt(toHex(genesisContractAddress(trust.genesis.suite, name)));
}

export async function tx(main: HTMLElement, hash: string): Promise<void> {
  const info = await chain.rpc.call("tx_get", hash);
  if (!info) throw new NotFound(hash);
  const receipt = await chain.rpc.call("tx_getReceipt", hash);
  const p = info.transaction.transaction.payload;
  const payloadRows: [string, Node | string][] = [[t("Kind"), p.type]];
  if (p.type === "transfer") {
    payloadRows.push([t("To"), accountLink(p.to)], [t("Amount"), amount(p.amount, 0, lang())]);
  } else if (p.type === "call") {
    payloadRows.push([t("Contract"), h("a", { href: `#/contract/${p.contract}` }, short(p.contract))], [t("Method"), h("code", {}, p.method)], [t("Value"), amount(p.value, 0, lang())]);
    const contract = await contractAt(p.contract);
    const method = contract?.metadata.methods.find((m) => m.name === p.method);
    let args: Node = h("code", { class: "wrap" }, p.args);
    if (method) {
      try {
        args = pretty(decodeFields(method.args, fromHex(p.args)));
      } catch {
        // Arguments that do not decode as declared: shown raw.
      }
    }
    payloadRows.push([t("Arguments"), args]);
  } else if (p.type === "deploy") {
    payloadRows.push([t("Code size"), t("{n} bytes", { n: (p.code.length - 2) / 2 })]);
  } else {
    payloadRows.push([t("Payload"), pretty(p)]);
  }
  const r = receipt?.receipt;
  replace(
    main,
    h("h1", {}, t("Transaction")),
    receipt ? verifiedMark(async (root) => (await checkHeader(root, receipt.inclusion.height)).lines) : "",
    facts([
      [t("Hash"), h("code", { class: "wrap" }, hash)],
      [t("Status"), receipt ? status(r!.status) : h("span", { class: "status" }, info.status)],
      [t("From"), accountLink(info.transaction.sender_address)],
      [t("Nonce"), String(info.transaction.transaction.nonce)],
      [t("Block"), receipt ? [blockLink(receipt.inclusion.height), ` #${receipt.inclusion.index}`] : "—"],
      [t("Gas used"), r ? `${amount(r.gas_used, 0, lang())} / ${amount(info.transaction.transaction.gas_limit, 0, lang())}` : "—"],
      [t("Reason"), r?.reason || "—"],
      [t("Output"), r && r.output !== "0x" ? h("code", { class: "wrap" }, r.output) : "—"],
    ]),
    h("h2", {}, t("Payload")),
    facts(payloadRows),
    h("h2", {}, t("Events")),
    r ? await events(r.events) : h("p", { class: "empty" }, t("No events.")),
  );
}

async function events(list: Api.Event[]): Promise<HTMLElement> {
  const rows = await Promise.all(
    list.map(async (e) => {
      const contract = await contractAt(e.emitter);
      const decoded = contract?.decodeEvent(e).fields;
      return [h("code", {}, e.topic), accountLink(e.emitter), decoded ? pretty(decoded) : h("code", { class: "wrap" }, e.data)];
    }),
  );
  const note = list.length ? h("p", { class: "note" }, t("Decoded with the contract's metadata from the chain.")) : null;
  const wrap = h("div", {}, table([t("Kind"), t("Contract"), t("Value")], rows, t("No events.")));
  if (note) wrap.append(note);
  return wrap;
}

/** A value as readable JSON (bigints as digits). */
export function pretty(value: unknown): HTMLElement {
  return h("pre", { class: "json" }, JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2));
}

export class NotFound extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}
