// A block: its header, verified final in the page, and its transactions with their outcomes.

import { checkHeader, chain, verifiedMark } from "../chain.js";
import { accountLink, amount, blockLink, facts, h, replace, short, table, time, txLink } from "../dom.js";
import { lang, t } from "../i18n.js";
import { payloadSummary } from "./tx.js";

/** Transactions listed on a block's page (a block holds up to 10,000). */
const SHOWN = 500;

export async function block(main: HTMLElement, id: string): Promise<void> {
  const blockId = /^[0-9]+$/.test(id) ? Number(id) : id;
  const b = await chain.rpc.call("chain_getBlock", blockId, true);
  const header = b.header;
  const receipts = b.receipts ?? [];
  replace(
    main,
    h("h1", {}, t("Block"), " ", String(header.height)),
    verifiedMark(async (root) => (await checkHeader(root, header.height)).lines),
    facts([
      [t("Hash"), short(b.hash, 10)],
      [t("Time"), time(header.timestamp, lang())],
      [t("Parent"), header.height > 0 ? h("a", { href: `#/block/${header.height - 1}` }, short(header.parent, 10)) : "—"],
      [t("Epoch"), `${header.epoch} · view ${header.view}`],
      [t("Proposer"), short(header.proposer, 10)],
      [t("Transactions"), String(header.tx_count)],
      [t("Gas used"), amount(header.gas_used, 0, lang())],
      [t("State root"), short(header.state_root, 10)],
      [t("Transaction root"), short(header.tx_root, 10)],
      [t("Receipts root"), short(header.receipts_root, 10)],
    ]),
    h("nav", { class: "pager" }, header.height > 0 ? blockLink(header.height - 1) : "", " ← → ", h("a", { href: `#/block/${header.height + 1}` }, String(header.height + 1))),
    h("h2", {}, t("Transactions")),
    table(
      [t("Hash"), t("From"), t("Kind"), t("Status")],
      (b.transactions ?? []).slice(0, SHOWN).map((tx, i) => [txLink(tx.hash), accountLink(tx.sender_address), payloadSummary(tx.transaction.payload), status(receipts[i]?.status)]),
      t("No transactions in this block."),
    ),
    header.tx_count > SHOWN ? h("p", { class: "note" }, t("The first {n} of {m} transactions.", { n: SHOWN, m: header.tx_count })) : "",
  );
}

export function status(s: string | undefined): HTMLElement {
  return h("span", { class: `status ${s === "success" ? "ok" : "bad"}` }, s ? t(s) : "—");
}
