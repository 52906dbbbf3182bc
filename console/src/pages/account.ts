// An account: its balance proven in the page, membership, assets, items and history.

import { checkHeader, chain, verifiedMark } from "../chain.js";
import { amount, blockLink, facts, h, link, replace, short, table, txLink } from "../dom.js";
import { lang, t } from "../i18n.js";
import { RpcError, accountKey, decodeAccount, fromHex } from "../../../sdk/ts/src/index.js";

const PAGE = 20;

export async function account(main: HTMLElement, address: string, query: URLSearchParams): Promise<void> {
  fromHex(address, 20);
  const before = query.get("before")?.split(":").map(Number);
  const cursor = before && before.length === 2 ? { height: before[0]!, index: before[1]! } : null;
  const [acct, member, held, owned, history, isContract] = await Promise.all([
    chain.rpc.call("state_getAccount", address),
    chain.rpc.call("org_getMember", address),
    chain.rpc.call("asset_getHeld", address, null, 100),
    chain.rpc.call("asset_getOwnedItems", address, null, 100),
    chain.rpc.call("tx_listByAccount", address, cursor, PAGE).catch((e: unknown) => e as RpcError),
    chain.rpc.call("contract_getInfo", address).then(() => true, () => false),
  ]);
  const verified = verifiedMark(async (root) => {
    const { header, lines } = await checkHeader(root, acct.height);
    const proof = await chain.rpc.call("state_getProof", address, header.height);
    const value = root.root.verifyValue(header, accountKey(fromHex(address, 20)), proof);
    const proven = value ? decodeAccount(value) : { nonce: 0n, balance: 0n };
    if (proven.balance !== BigInt(acct.balance) || proven.nonce !== BigInt(acct.nonce)) {
      throw new Error(`the proven balance ${proven.balance} and nonce ${proven.nonce} differ from the ones the node reported`);
    }
    return [...lines, t("Merkle proof of the value against the state root of block {h}", { h: header.height })];
  });
  replace(
    main,
    h("h1", {}, t("Account"), " ", h("code", { class: "wrap" }, address)),
    isContract ? h("p", {}, link(`#/contract/${address}`, t("Contract"), " →")) : "",
    verified,
    facts([
      [t("Balance"), amount(acct.balance, 0, lang())],
      [t("Nonce"), String(acct.nonce)],
      [t("Membership"), member.member ? `${member.member.org} · ${member.member.roles.join(", ")}` : t("Not a member of any organization (a citizen).")],
      [t("Frozen"), member.frozen ? t("yes") : t("no")],
      [t("Inbox"), link(`#/inbox/${address}`, t("Inbox"))],
    ]),
    h("h2", {}, t("Assets held")),
    table(
      [t("Asset"), t("Balance"), t("Frozen")],
      held.assets.map((a) => [link(`#/asset/${a.asset}`, a.symbol, " ", short(a.asset)), amount(a.balance, a.decimals, lang()), a.frozen ? t("yes") : t("no")]),
      t("No assets."),
    ),
    h("h2", {}, t("Items owned")),
    table([t("Collection"), t("Item")], owned.items.map((i) => [link(`#/collection/${i.collection}`, short(i.collection)), link(`#/item/${i.collection}/${i.item}`, `#${i.item}`)]), t("No items.")),
    h("h2", {}, t("Transaction history")),
    historyView(address, history),
  );
}

function historyView(address: string, history: Awaited<ReturnType<typeof chain.rpc.call<"tx_listByAccount">>> | RpcError): HTMLElement {
  if (history instanceof RpcError) {
    return h("p", { class: "empty" }, history.code === -32020 ? t("The node keeps no account index: history is not available.") : history.message);
  }
  const rows = history.transactions.map((tx) => [txLink(tx.hash), blockLink(tx.height), String(tx.index)]);
  return h(
    "div",
    {},
    table([t("Hash"), t("Block"), "#"], rows, t("No transactions yet.")),
    history.indexed_from > 0 ? h("p", { class: "note" }, t("Indexed from block {h}: older history is not listed.", { h: history.indexed_from })) : "",
    h(
      "nav",
      { class: "pager" },
      link(`#/account/${address}`, t("Newest")),
      ...(history.next ? [" · ", link(`#/account/${address}?before=${history.next.height}:${history.next.index}`, t("Older"), " →")] : []),
    ),
  );
}

