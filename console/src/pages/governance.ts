// The consortium: organizations, the permission policy, proposals with their votes, the audit
// trail and frozen accounts. And each account's inbox: what waits for its vote.

import type { Api } from "../../../sdk/ts/src/index.js";
import { chain, loadTrust } from "../chain.js";
import { accountLink, blockLink, facts, h, link, replace, short, table, time } from "../dom.js";
import { lang, t } from "../i18n.js";
import { GRANTS_SCANNED, reviewsWaiting } from "./grants.js";
import { application, payloadSummary, pretty } from "./tx.js";

export async function governance(main: HTMLElement): Promise<void> {
  const [orgs, policy, proposals, trail, frozen, trust] = await Promise.all([
    chain.rpc.call("org_list"),
    chain.rpc.call("gov_getPolicy"),
    allProposals(),
    chain.rpc.call("audit_getTrail", null, null, 1000),
    chain.rpc.call("audit_listFrozen"),
    loadTrust(),
  ]);
  const members = await currentMembers(trust.genesis, proposals, orgs);
  replace(
    main,
    h("h1", {}, t("Governance")),
    h("h2", {}, t("Organizations")),
    table(
      [t("Organization"), "id", t("Admin"), t("Validators")],
      orgs.map((o) => [o.name, h("code", {}, o.id), h("span", {}, ...o.admins.map((a) => accountLink(a))), String(o.validators?.length ?? 0)]),
      t("None."),
    ),
    h("h2", {}, t("Members")),
    table(
      [t("Account"), t("Organization"), t("Roles"), t("Frozen")],
      members.map((m) => [accountLink(m.address), m.member!.org, m.member!.roles.join(", "), m.frozen ? t("yes") : t("no")]),
      t("None."),
    ),
    h("p", { class: "note" }, t("Every account the genesis or an executed proposal made a member, or an organization's admin, as it stands now.")),
    h("h2", {}, t("Policy")),
    facts([
      ...Object.entries(policy.policy).map(([k, v]) => [k, Array.isArray(v) ? (v.length ? v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ") : k === "contract_rules" ? "—" : t("anyone")) : String(v)] as [string, string]),
      ...Object.entries(policy.thresholds).map(([k, v]) => [k, `${v}%`] as [string, string]),
    ]),
    h("h2", {}, t("Proposals")),
    proposals.length ? h("div", {}, ...[...proposals].reverse().map(proposalView)) : h("p", { class: "empty" }, t("No proposals.")),
    h("h2", {}, t("Audit trail")),
    table(
      [t("Time"), t("Block"), t("Kind"), t("Proposer_"), t("Action")],
      [...trail].reverse().slice(0, 50).map((e) => [time(e.time_ms, lang()), blockLink(e.height), e.event, accountLink(e.actor), `${e.action} ${e.detail}`]),
      t("Nothing recorded."),
    ),
    h("h2", {}, t("Frozen accounts")),
    table([t("Account"), t("Block")], frozen.map((f) => [accountLink(f.address), blockLink(f.since_height)]), t("None.")),
  );
}

/**
 * The consortium's members now. No method lists them, but membership changes only at genesis
 * and by executed proposals, so those name every account that may be one; each is then read.
 */
async function currentMembers(genesis: Api.Genesis, proposals: Api.ProposalView[], orgs: Api.Organization[]): Promise<Api.MemberView[]> {
  const named = new Set<string>([...(genesis.members ?? []).map((m) => m.account), ...orgs.flatMap((o) => o.admins)]);
  for (const p of proposals) if (p.status === "executed" && p.action.type === "set_member") named.add(p.action.account);
  const answers = await chain.rpc.batch([...named].map((address) => ({ method: "org_getMember" as const, params: [address] })));
  return answers.flatMap((a) => (a.ok && (a.result as Api.MemberView).member ? [a.result as Api.MemberView] : []));
}

async function allProposals(): Promise<Api.ProposalView[]> {
  const out: Api.ProposalView[] = [];
  for (;;) {
    const page = await chain.rpc.call("gov_listProposals", out.length, 100);
    out.push(...page);
    if (page.length < 100) return out;
  }
}

function proposalView(p: Api.ProposalView): HTMLElement {
  return h(
    "article",
    { class: "proposal" },
    h("h3", {}, `#${p.id} `, p.title, " ", h("span", { class: `status ${p.effective_status}` }, t(p.effective_status))),
    facts([
      [t("Proposer_"), accountLink(p.proposer)],
      [t("Deadline"), time(p.deadline_ms, lang())],
      [t("Votes"), p.votes.length ? h("ul", { class: "plain" }, ...p.votes.map((v) => h("li", {}, v.approve ? "✓ " : "✗ ", v.org, " ", accountLink(v.voter)))) : "—"],
      [t("Action"), pretty(p.action)],
      ...(p.outcome ? ([[t("Result"), p.outcome]] as [string, string][]) : []),
    ]),
  );
}

/** How many of the account's newest transactions the inbox reads for multisig accounts. */
const HISTORY_SCANNED = 500;
/** How many of a multisig account's newest proposed transactions it looks at. */
const MULTISIG_SCANNED = 20;

/**
 * The proposed transactions of multisig accounts `address` signs for that wait for its
 * approval. Nothing indexes signers, but the transaction that created a multisig account names
 * its signers, so it is in each signer's own history (`tx_listByAccount`).
 */
async function multisigWaiting(address: string): Promise<{ account: string; pending: Api.MultisigPending }[]> {
  const me = address.toLowerCase();
  const accounts = new Set<string>();
  let before: Api.TxPosition | null = null;
  for (let read = 0; read < HISTORY_SCANNED; ) {
    let page: Api.AccountTxPage;
    try {
      page = await chain.rpc.call("tx_listByAccount", address, before, 100);
    } catch {
      return []; // no account index on this node
    }
    const answers = await chain.rpc.batch(page.transactions.flatMap((tx) => [{ method: "tx_get" as const, params: [tx.hash] }, { method: "tx_getReceipt" as const, params: [tx.hash] }]));
    for (let i = 0; i + 1 < answers.length; i += 2) {
      const [got, receipt] = [answers[i]!, answers[i + 1]!];
      if (!got.ok || !receipt.ok) continue;
      const payload = (got.result as Api.TxInfo).transaction.transaction.payload;
      const created = (receipt.result as Api.ReceiptInfo).receipt;
      if (payload.type === "multisig" && payload.op.op === "create" && payload.op.signers.includes(me) && created.status === "success") accounts.add(created.output);
    }
    read += page.transactions.length;
    if (!page.next) break;
    before = page.next;
  }
  const out = [];
  for (const account of accounts) {
    const view = await chain.rpc.call("multisig_getAccount", account);
    for (let id = Math.max(0, view.next_id - MULTISIG_SCANNED); id < view.next_id; id++) {
      const pending = await chain.rpc.call("multisig_getTransaction", account, id);
      if (pending.status === "pending" && !pending.approvals.includes(me)) out.push({ account, pending });
    }
  }
  return out;
}

/** How many of the newest permit applications the inbox looks through. */
const PERMITS_SCANNED = 20;

export async function inbox(main: HTMLElement, address: string): Promise<void> {
  const [member, proposals, permits, reviews, multisig] = await Promise.all([chain.rpc.call("org_getMember", address), allProposals(), permitSteps(address), reviewsWaiting(address), multisigWaiting(address)]);
  const org = member.member?.org;
  const waiting = org ? proposals.filter((p) => p.effective_status === "open" && !p.votes.some((v) => v.org === org)) : [];
  replace(
    main,
    h("h1", {}, t("Inbox")),
    h("p", {}, t("What waits for {a}", { a: "" }), short(address), org ? ` (${org})` : ""),
    h("h2", {}, t("Open proposals its organization has not voted on")),
    waiting.length ? h("div", {}, ...waiting.map(proposalView)) : h("p", { class: "empty" }, t("Nothing waits.")),
    h("h2", {}, t("Multisig transactions waiting for its approval")),
    table(
      [t("Multisig account"), "#", t("Proposer_"), t("Payload")],
      multisig.map((m) => [accountLink(m.account), String(m.pending.id), accountLink(m.pending.proposer), payloadSummary(m.pending.payload)]),
      t("Nothing waits."),
    ),
    h("p", { class: "note" }, t("The multisig accounts it signs for are found in its newest {n} transactions.", { n: HISTORY_SCANNED })),
    h("h2", {}, t("Permit applications waiting for its decision")),
    table(
      [t("Application"), t("Title"), t("Deadline"), t("Status")],
      permits.map((p) => [link(`#/permit/${p.id}`, `#${p.id}`), p.title, time(p.deadline, lang()), p.late ? h("span", { class: "status bad" }, t("overdue")) : t("in review")]),
      t("Nothing waits."),
    ),
    h("p", { class: "note" }, t("Looks through the newest {n} applications of the permits application.", { n: PERMITS_SCANNED })),
    h("h2", {}, t("Grant reviews waiting for it")),
    table([t("Grant"), t("Title"), t("Waits for")], reviews.map((r) => [link(`#/grant/${r.id}`, `#${r.id}`), r.title, r.what]), t("Nothing waits.")),
    h("p", { class: "note" }, t("Looks through the newest {n} grants.", { n: GRANTS_SCANNED })),
  );
}

/** The permit applications whose current stage waits for `address`'s decision. */
async function permitSteps(address: string): Promise<{ id: bigint; title: string; deadline: number; late: boolean }[]> {
  const permits = await application("permits");
  if (!permits) return [];
  const count = (await permits.query("count")) as bigint;
  const out = [];
  for (let id = count > BigInt(PERMITS_SCANNED) ? count - BigInt(PERMITS_SCANNED) : 0n; id < count; id++) {
    const [late, deadline, pending] = (await permits.query("overdue", [id])) as [boolean, bigint, string[]];
    if (!pending.includes(address.toLowerCase())) continue;
    const [[, , title]] = (await permits.query("application", [id])) as [[string, string, string]];
    out.push({ id, title, deadline: Number(deadline), late });
  }
  return out;
}
