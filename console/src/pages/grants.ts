// Grants (the grants application, docs/apps/grants.md): programmes with their budgets, the
// newest grants, and one grant's milestones and record. Read through the application's query
// methods. Also what waits for a reviewer, for the inbox.

import type { Contract } from "../../../sdk/ts/src/index.js";
import { accountLink, amount, facts, h, link, replace, short, table, time } from "../dom.js";
import { lang, t } from "../i18n.js";
import { NotFound, application } from "./tx.js";

const GRANT_STATUS = ["applied", "awarded", "declined", "completed"];
const MILESTONE_STATUS = ["pending", "evidence submitted", "paid", "reclaimed"];
const ACTION = ["applied", "voted for", "voted against", "awarded", "declined", "evidence submitted", "evidence approved", "evidence rejected", "paid", "reclaimed"];
const LISTED = 20;
/** How many of the newest grants the inbox looks through. */
export const GRANTS_SCANNED = 10;
const AWARD = 0xffffffff;

type Programme = [[string, string, string | null], [bigint, bigint, bigint, bigint, bigint], [string[], number, bigint, bigint, boolean]];
type Grant = [[bigint, string, string, bigint], [number, number, number, number, number]];
type Milestone = [number, bigint, bigint, string, number, string, number, number];
type Entry = [bigint, string, number, number, string, bigint, string];

async function required(): Promise<Contract> {
  const contract = await application("grants");
  if (!contract) throw new Error(t("This chain has no grants application."));
  return contract;
}

export async function grants(view: HTMLElement): Promise<void> {
  const contract = await required();
  const [programmes, grantCount] = (await contract.query("counts")) as [bigint, bigint];
  const programmeRows = [];
  for (let id = 0n; id < programmes; id++) {
    const [[funder, name], [budget, awarded, paid], [reviewers, threshold, , until, open]] = (await contract.query("programme_of", [id])) as Programme;
    programmeRows.push([`#${id}`, name, accountLink(funder), amount(budget, 0, lang()), amount(awarded, 0, lang()), amount(paid, 0, lang()), `${threshold} / ${reviewers.length}`, open ? `${t("open")} · ${time(Number(until), lang())}` : t("closed")]);
  }
  const grantRows = [];
  for (let id = grantCount - 1n; id >= 0n && id >= grantCount - BigInt(LISTED); id--) {
    const [[programme, applicant, title, value], [status]] = (await contract.query("grant_of", [id])) as Grant;
    grantRows.push([link(`#/grant/${id}`, `#${id}`), title, `#${programme}`, accountLink(applicant), amount(value, 0, lang()), t(GRANT_STATUS[status] ?? String(status))]);
  }
  replace(
    view,
    h("h1", {}, t("Grants")),
    h("h2", {}, t("Programmes")),
    table([t("Programme"), t("Name"), t("Funder"), t("Budget"), t("Awarded"), t("Paid"), t("Reviews needed"), t("Applications")], programmeRows, t("None.")),
    h("h2", {}, t("Grants")),
    table([t("Grant"), t("Title"), t("Programme"), t("Applicant"), t("Amount"), t("Status")], grantRows, t("None.")),
  );
}

export async function grant(view: HTMLElement, idText: string): Promise<void> {
  if (!/^[0-9]{1,19}$/.test(idText)) throw new NotFound(idText);
  const contract = await required();
  const id = BigInt(idText);
  const [[programme, applicant, title, value], [status, milestones, approvals, declines, steps]] = (await contract.query("grant_of", [id])) as Grant;
  const [[, programmeName], , [reviewers, threshold]] = (await contract.query("programme_of", [programme])) as Programme;
  const ms = await Promise.all(Array.from({ length: milestones }, (_, n) => contract.query("milestone_of", [id, n]) as Promise<Milestone>));
  const entries = await Promise.all(Array.from({ length: steps }, (_, n) => contract.query("record_of", [id, n]) as Promise<Entry | null>));
  replace(
    view,
    h("h1", {}, t("Grant"), ` #${id} `, h("small", {}, title)),
    facts([
      [t("Status"), t(GRANT_STATUS[status] ?? String(status))],
      [t("Programme"), `#${programme} ${programmeName}`],
      [t("Applicant"), accountLink(applicant)],
      [t("Amount"), amount(value, 0, lang())],
      [t("Reviews"), `${t("for")} ${approvals} · ${t("against")} ${declines} · ${t("needed")} ${threshold}`],
      [t("Reviewers"), h("span", {}, ...reviewers.map((r) => accountLink(r)))],
    ]),
    h("h2", {}, t("Milestones")),
    table(
      ["#", t("Share"), t("Amount"), t("Due"), t("Evidence required"), t("Status"), t("Evidence")],
      ms.map(([share, due_amount, due, required, mstatus, evidence], n) => [String(n + 1), `${share / 100}%`, amount(due_amount, 0, lang()), time(Number(due), lang()), required, t(MILESTONE_STATUS[mstatus] ?? String(mstatus)), /^0x0+$/.test(evidence) ? "—" : short(evidence)]),
      t("None."),
    ),
    h("h2", {}, t("Record")),
    table(
      [t("Time"), t("Actor"), t("Action"), t("Milestone"), t("Comment")],
      entries
        .filter((e): e is Entry => e !== null)
        .map(([at, actor, action, milestone, comment]) => [time(Number(at), lang()), accountLink(actor), t(ACTION[action] ?? String(action)), milestone === AWARD ? t("award") : String(milestone + 1), comment]),
      t("None."),
    ),
  );
}

/** The grants among the newest ones whose award or milestone evidence waits for `reviewer`'s review. */
export async function reviewsWaiting(reviewer: string): Promise<{ id: bigint; title: string; what: string }[]> {
  const contract = await application("grants");
  if (!contract) return [];
  const me = reviewer.toLowerCase();
  const [, count] = (await contract.query("counts")) as [bigint, bigint];
  const out = [];
  for (let id = count - 1n; id >= 0n && id >= count - BigInt(GRANTS_SCANNED); id--) {
    const [[programme, , title], [status, milestones, , , steps]] = (await contract.query("grant_of", [id])) as Grant;
    const [, , [reviewers]] = (await contract.query("programme_of", [programme])) as Programme;
    if (!reviewers.includes(me) || status === 2 || status === 3) continue;
    const entries = (await Promise.all(Array.from({ length: steps }, (_, n) => contract.query("record_of", [id, n]) as Promise<Entry | null>))).filter((e): e is Entry => e !== null);
    if (status === 0) {
      if (!entries.some(([, actor, action]) => actor === me && (action === 1 || action === 2))) out.push({ id, title, what: t("the award") });
      continue;
    }
    for (let n = 0; n < milestones; n++) {
      const [, , , , mstatus] = (await contract.query("milestone_of", [id, n])) as Milestone;
      if (mstatus !== 1) continue;
      // Reviews count from the latest submission of this milestone's evidence.
      const submitted = entries.map(([, , action, m], i) => (action === 5 && m === n ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
      const reviewed = entries.slice(submitted + 1).some(([, actor, action, m]) => actor === me && m === n && (action === 6 || action === 7));
      if (!reviewed) out.push({ id, title, what: t("the evidence of milestone {n}", { n: n + 1 }) });
    }
  }
  return out;
}
