// Permit applications (the permits application, docs/apps/permits.md): the newest ones, and
// one application's route, the agencies it waits for, the consultation and every step.
// Read through the contract's own query methods.

import type { Contract } from "../../../sdk/ts/src/index.js";
import { accountLink, facts, h, link, replace, short, table, time } from "../dom.js";
import { lang, t } from "../i18n.js";
import { NotFound, application } from "./tx.js";

const STATUS = ["in review", "changes requested", "awaiting the consultation", "approved", "rejected", "withdrawn"];
const ACTION = ["applied", "approved", "rejected", "changes requested", "resubmitted", "escalated", "withdrawn", "issued"];
const LISTED = 20;

async function permitsContract(): Promise<Contract> {
  const contract = await application("permits");
  if (!contract) throw new Error(t("This chain has no permits application."));
  return contract;
}

type Application = [[string, string, string, string, bigint], [number, number, number, bigint, bigint], [number, number, number, number, bigint | null]];

export async function permits(view: HTMLElement): Promise<void> {
  const contract = await permitsContract();
  const count = (await contract.query("count")) as bigint;
  const rows = [];
  for (let id = count - 1n; id >= 0n && id >= count - BigInt(LISTED); id--) {
    const [[applicant, type, title, , submitted], [status]] = (await contract.query("application", [id])) as Application;
    rows.push([link(`#/permit/${id}`, `#${id}`), title, type, accountLink(applicant), time(Number(submitted), lang()), t(STATUS[status] ?? String(status))]);
  }
  replace(
    view,
    h("h1", {}, t("Permits")),
    table([t("Application"), t("Title"), t("Type"), t("Applicant"), t("Submitted"), t("Status")], rows, t("No applications yet.")),
    count > BigInt(LISTED) ? h("p", { class: "note" }, t("The newest {n} of {m} applications.", { n: LISTED, m: String(count) })) : "",
  );
}

export async function permit(view: HTMLElement, idText: string): Promise<void> {
  if (!/^[0-9]{1,19}$/.test(idText)) throw new NotFound(idText);
  const contract = await permitsContract();
  const id = BigInt(idText);
  const [[applicant, typeId, title, document, submitted], [status, stage, revision, deadline, consultationUntil], [support, oppose, escalations, steps, certificate]] = (await contract.query("application", [id])) as Application;
  const [[typeName, stages], [late, , pending]] = (await Promise.all([contract.query("permit_type_of", [typeId]), contract.query("overdue", [id])])) as [[string, [string[], bigint][]], [boolean, bigint, string[]]];
  const history = [];
  for (let n = 0; n < steps; n++) {
    const step = (await contract.query("step", [id, n])) as [bigint, string, number, number, string, string] | null;
    if (step) history.push(step);
  }
  replace(
    view,
    h("h1", {}, t("Permit application"), ` #${id} `, h("small", {}, title)),
    facts([
      [t("Status"), h("span", { class: `status ${status === 3 ? "ok" : status === 4 ? "bad" : ""}` }, t(STATUS[status] ?? String(status)))],
      [t("Type"), `${typeName} (${typeId})`],
      [t("Applicant"), accountLink(applicant)],
      [t("Submitted"), time(Number(submitted), lang())],
      [t("Document"), short(document, 10)],
      [t("Revision"), String(revision)],
      [t("Stage"), `${stage + 1} / ${stages.length}`],
      [t("Deadline"), [time(Number(deadline), lang()), late ? [" ", h("span", { class: "status bad" }, t("overdue"))] : []].flat()],
      [t("Waiting for"), pending.length ? h("span", {}, ...pending.map((a) => accountLink(a))) : "—"],
      [t("Consultation"), `${t("support")} ${support} · ${t("oppose")} ${oppose}${consultationUntil > 0n ? ` · ${t("until")} ${time(Number(consultationUntil), lang())}` : ""}`],
      [t("Escalations"), String(escalations)],
      [t("Certificate"), certificate === null ? "—" : `#${certificate}`],
    ]),
    h("h2", {}, t("Route")),
    table(
      [t("Stage"), t("Agencies"), t("Time limit")],
      stages.map(([agencies, limit], i) => [String(i + 1), h("span", {}, ...agencies.map((a) => accountLink(a))), `${Number(limit) / 3_600_000} h`]),
      "—",
    ),
    h("h2", {}, t("Steps")),
    table(
      [t("Time"), t("Actor"), t("Action"), t("Stage"), t("Comment")],
      history.map(([at, actor, action, s, comment]) => [time(Number(at), lang()), accountLink(actor), t(ACTION[action] ?? String(action)), String(s + 1), comment]),
      "—",
    ),
  );
}
