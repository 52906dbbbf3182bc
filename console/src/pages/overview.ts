// The chain at a glance, live: head, finality, throughput, validators, the newest blocks.

import type { Api } from "../../../sdk/ts/src/index.js";
import { chain } from "../chain.js";
import { amount, blockLink, facts, h, replace, short, table, time } from "../dom.js";
import { lang, t } from "../i18n.js";

const WINDOW = 20;

export async function overview(main: HTMLElement, onLeave: (stop: () => void) => void): Promise<void> {
  // Subscribe first, then read the recent past: a block committed in between is in one or the other.
  const stats = h("div", { class: "cards" });
  const live = h("span", { class: "live", "aria-live": "polite" }, "● ", t("Live"));
  const recent = h("section", { "aria-labelledby": "latest" });
  const byHeight = new Map<number, Api.FinalizedHeader>();
  const latencies: number[] = [];
  let render = () => {};
  const stop = await chain.rpc.subscribe(
    "chain_subscribeFinalized",
    [],
    (item) => {
      latencies.push(Date.now() - item.header.timestamp);
      if (latencies.length > 10) latencies.shift();
      byHeight.set(item.header.height, item);
      render();
    },
    () => replace(live, t("Reconnecting…")),
  );
  onLeave(stop);
  const [status, validators] = await Promise.all([chain.rpc.call("chain_status"), chain.rpc.call("chain_getValidators")]);
  const first = Math.max(0, status.height - WINDOW + 1);
  // Headers, not blocks: a full block's transaction list can be megabytes.
  const headers = await chain.rpc.batch(Array.from({ length: status.height - first + 1 }, (_, i) => ({ method: "chain_getHeader" as const, params: [first + i] })));
  for (const r of headers) if (r.ok) byHeight.set((r.result as Api.FinalizedHeader).header.height, r.result as Api.FinalizedHeader);
  const recentBlocks = () => {
    const heights = [...byHeight.keys()].sort((a, b) => a - b);
    for (const old of heights.slice(0, Math.max(0, heights.length - WINDOW))) byHeight.delete(old);
    return heights.slice(-WINDOW).map((height) => byHeight.get(height)!);
  };

  render = () => {
    const blocks = recentBlocks();
    const span = blocks.length > 1 ? blocks[blocks.length - 1]!.header.timestamp - blocks[0]!.header.timestamp : 0;
    const txs = blocks.slice(1).reduce((n, b) => n + b.header.tx_count, 0);
    const tps = span > 0 ? (txs * 1000) / span : 0;
    const latency = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : null;
    const head = blocks[blocks.length - 1];
    replace(
      stats,
      card(t("Head"), head ? String(head.header.height) : "—", head ? time(head.header.timestamp, lang()) : ""),
      card(t("Transactions per second"), tps.toFixed(1), t("over the last {n} blocks", { n: blocks.length })),
      card(t("Finality latency"), latency === null ? "—" : `${Math.round(latency)} ms`, t("block time to seen here")),
      card(t("Validators"), String(validators.validators.length), `${t("Epoch")} ${validators.epoch}`),
    );
    replace(
      recent,
      h("h2", { id: "latest" }, t("Latest blocks")),
      table(
        [t("Height"), t("Hash"), t("Time"), t("Transactions"), t("Gas used")],
        [...blocks].reverse().slice(0, 10).map((b) => [blockLink(b.header.height), short(b.hash), time(b.header.timestamp, lang()), amount(b.header.tx_count, 0, lang()), amount(b.header.gas_used, 0, lang())]),
        t("No transactions yet."),
      ),
    );
  };
  render();
  replace(
    main,
    h("h1", {}, t("Overview"), " ", live),
    stats,
    facts([
      [t("Chain"), status.chain_id],
      [t("Suite"), status.suite],
      [t("Genesis hash"), short(status.genesis_hash, 10)],
      [t("Finalized tip"), String(status.finalized_tip)],
      [t("Pending transactions"), String(status.pending_txs)],
      [t("Peers"), String(status.peers)],
      [t("Validators"), h("ul", { class: "plain" }, ...validators.validators.map((v) => h("li", {}, v.name, " ", short(v.consensus_key))))],
    ]),
    recent,
  );
}

function card(label: string, value: string, note: string): HTMLElement {
  return h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value), h("div", { class: "note" }, note));
}
