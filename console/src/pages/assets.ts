// Digital assets: an asset class with its holders, distributions, vault and open offers; a
// collection; an item with its ownership history; an offer.

import type { Api } from "../../../sdk/ts/src/index.js";
import { chain } from "../chain.js";
import { accountLink, amount, blockLink, facts, h, link, replace, short, table, time } from "../dom.js";
import { lang, t } from "../i18n.js";

const decimals = new Map<string, Promise<number>>();
/** An asset's decimals (fetched once per page load). */
function decimalsOf(asset: string): Promise<number> {
  if (!decimals.has(asset)) decimals.set(asset, chain.rpc.call("asset_getClass", asset).then((c) => c.decimals, () => 0));
  return decimals.get(asset)!;
}

/** A value an offer, a vault or a distribution names, with its asset's decimals. */
export async function value(v: Api.Value): Promise<HTMLElement> {
  switch (v.kind) {
    case "native":
      return h("span", {}, amount(v.amount, 0, lang()), " ", t("native"));
    case "token":
      return h("span", {}, amount(v.amount, await decimalsOf(v.asset), lang()), " ", link(`#/asset/${v.asset}`, short(v.asset)));
    case "item":
      return link(`#/item/${v.collection}/${v.item}`, short(v.collection), ` #${v.item}`);
  }
}

async function offers(list: Api.Offer[]): Promise<HTMLElement> {
  const rows = await Promise.all(list.map(async (o) => [link(`#/offer/${o.id}`, short(o.id)), accountLink(o.maker), await value(o.give), await value(o.want), time(o.deadline_ms, lang())]));
  return table([t("Offer"), t("Maker"), t("Gives"), t("Wants"), t("Deadline")], rows, t("No open offers."));
}

export async function asset(view: HTMLElement, id: string, query: URLSearchParams): Promise<void> {
  const after = query.get("after");
  const [c, holders, distributions, open] = await Promise.all([
    chain.rpc.call("asset_getClass", id),
    chain.rpc.call("asset_getHolders", id, after, 50),
    chain.rpc.call("asset_getDistributions", id, null, 50),
    chain.rpc.call("asset_getOffersFor", { kind: "token", asset: id }, null, 50),
  ]);
  const fmt = (a: string) => amount(a, c.decimals, lang());
  replace(
    view,
    h("h1", {}, t("Asset"), " ", c.symbol, " ", h("small", {}, c.name)),
    facts([
      ["id", h("code", { class: "wrap" }, c.id)],
      [t("Supply"), fmt(c.supply)],
      [t("Cap"), c.supply_cap ? fmt(c.supply_cap) : "—"],
      [t("Decimals"), String(c.decimals)],
      [t("Issuer"), accountLink(c.issuer)],
      [t("Who may hold it"), t(c.rule)],
      [t("Frozen"), c.frozen ? t("yes") : t("no")],
      [t("Created"), blockLink(c.created_height)],
      [t("Metadata"), c.metadata.uri ? h("code", { class: "wrap" }, c.metadata.uri) : "—"],
    ]),
    c.vault ? h("h2", {}, t("Vault")) : "",
    c.vault ? await vaultFacts(c.vault, c.decimals) : "",
    h("h2", {}, t("Holders")),
    table(
      [t("Account"), t("Balance"), t("Frozen")],
      holders.holders.map((x) => [accountLink(x.holder), fmt(x.balance), x.frozen ? t("yes") : t("no")]),
      t("No holders."),
    ),
    holders.next ? h("nav", { class: "pager" }, link(`#/asset/${id}?after=${holders.next}`, t("More"), " →")) : "",
    h("h2", {}, t("Distributions")),
    table(
      [t("Record"), t("Total"), t("Paid"), t("Claim until"), t("Status")],
      await Promise.all(distributions.map(async (d) => [String(d.record), await value(d.total), amount(d.paid, 0, lang()), time(d.claim_until_ms, lang()), d.closed ? t("closed") : t("open")])),
      t("None."),
    ),
    h("h2", {}, t("Open offers")),
    await offers(open.offers),
  );
}

async function vaultFacts(v: Api.Vault, decimals: number): Promise<HTMLElement> {
  return facts([
    [t("Holds"), await value(v.content)],
    [t("Shares"), amount(v.shares, decimals, lang())],
    [t("Reserve price"), v.reserve ? await value(v.reserve) : "—"],
    [t("Status"), t(v.status)],
    [t("Creator"), accountLink(v.creator)],
    [t("Buyer"), v.buyer ? accountLink(v.buyer) : "—"],
  ]);
}

export async function collection(view: HTMLElement, id: string): Promise<void> {
  const [c, open] = await Promise.all([chain.rpc.call("asset_getCollection", id), chain.rpc.call("asset_getOffersFor", { kind: "collection", collection: id }, null, 50)]);
  replace(
    view,
    h("h1", {}, t("Collection"), " ", c.symbol, " ", h("small", {}, c.name)),
    facts([
      ["id", h("code", { class: "wrap" }, c.id)],
      [t("Items"), String(c.items)],
      [t("Issuer"), accountLink(c.issuer)],
      [t("Who may hold it"), t(c.rule)],
      [t("Created"), blockLink(c.created_height)],
      [t("Metadata"), c.metadata.uri ? h("code", { class: "wrap" }, c.metadata.uri) : "—"],
    ]),
    h("h2", {}, t("Open offers")),
    await offers(open.offers),
  );
}

export async function item(view: HTMLElement, collectionId: string, number: string): Promise<void> {
  const n = Number(number);
  const [i, history] = await Promise.all([chain.rpc.call("asset_getItem", collectionId, n), chain.rpc.call("asset_getItemHistory", collectionId, n, null, 100)]);
  replace(
    view,
    h("h1", {}, t("Item"), ` #${i.item}`),
    facts([
      [t("Collection"), link(`#/collection/${i.collection}`, short(i.collection))],
      [t("Owner"), accountLink(i.owner)],
      [t("Locked"), i.locked ? t("yes") : t("no")],
      [t("Created"), blockLink(i.minted_height)],
      [t("Metadata"), i.metadata.uri ? h("code", { class: "wrap" }, i.metadata.uri) : "—"],
    ]),
    h("h2", {}, t("Ownership history")),
    table([t("Block"), t("Kind"), t("From"), t("To")], history.map((e) => [blockLink(e.height), t(e.kind), accountLink(e.from), accountLink(e.to)]), t("None.")),
  );
}

export async function offer(view: HTMLElement, id: string): Promise<void> {
  const o = await chain.rpc.call("asset_getOffer", id);
  replace(
    view,
    h("h1", {}, t("Offer"), " ", h("code", { class: "wrap" }, o.id)),
    facts([
      [t("Status"), t(o.status)],
      [t("Maker"), accountLink(o.maker)],
      [t("Gives"), await value(o.give)],
      [t("Wants"), await value(o.want)],
      [t("Left to give"), o.give.kind === "token" ? amount(o.give_left, await decimalsOf(o.give.asset), lang()) : amount(o.give_left, 0, lang())],
      [t("Taken in parts"), o.partial ? t("yes") : t("no")],
      [t("Only for"), o.taker ? accountLink(o.taker) : t("anyone")],
      [t("Deadline"), time(o.deadline_ms, lang())],
      [t("Created"), blockLink(o.created_height)],
    ]),
  );
}
