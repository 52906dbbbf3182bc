// The data catalogue (the datashare application, docs/apps/datashare.md): data sets found by
// keyword, and one data set with its approvers and who used it. Read through the application's
// query methods.

import type { Contract } from "../../../sdk/ts/src/index.js";
import { accountLink, facts, h, link, replace, short, table, time } from "../dom.js";
import { lang, t } from "../i18n.js";
import { NotFound, application } from "./tx.js";

const CLASSIFICATION = ["public", "internal", "sensitive", "secret"];
const REQUEST_STATUS = ["pending", "granted", "rejected", "revoked"];

async function catalogue(): Promise<Contract> {
  const contract = await application("datashare");
  if (!contract) throw new Error(t("This chain has no data catalogue."));
  return contract;
}

export async function datasets(view: HTMLElement, query: URLSearchParams): Promise<void> {
  const contract = await catalogue();
  const keyword = query.get("q") ?? "";
  const after = query.get("after");
  const [entries, next] = (await contract.query("search", [null, keyword || null, null, after])) as [[string, string, string, number][], string | null];
  const input = h("input", { id: "dataset-q", name: "q", value: keyword, placeholder: t("Keyword"), autocomplete: "off" });
  replace(
    view,
    h("h1", {}, t("Data catalogue")),
    h(
      "form",
      { class: "query", onsubmit: (e: Event) => { e.preventDefault(); location.hash = `#/data?q=${encodeURIComponent(input.value.trim())}`; } },
      h("label", { for: "dataset-q" }, t("Keyword"), " "),
      input,
      h("button", { type: "submit" }, t("Search")),
    ),
    table(
      ["id", t("Title"), t("Owner"), t("Classification")],
      entries.map(([id, title, owner, classification]) => [link(`#/dataset/${encodeURIComponent(id)}`, id), title, accountLink(owner), t(CLASSIFICATION[classification] ?? String(classification))]),
      t("No data sets."),
    ),
    next ? h("nav", { class: "pager" }, link(`#/data?q=${encodeURIComponent(keyword)}&after=${encodeURIComponent(next)}`, t("More"), " →")) : "",
  );
}

export async function dataset(view: HTMLElement, id: string): Promise<void> {
  const contract = await catalogue();
  type Dataset = [[string, string, string, number], [string, string, string[]], [string[], number, bigint]];
  let d: Dataset;
  try {
    d = (await contract.query("dataset_of", [id])) as Dataset;
  } catch {
    throw new NotFound(id);
  }
  const [[owner, title, schema, classification], [frequency, endpoint, keywords], [approvers, required, published]] = d;
  const usage = (await contract.query("usage_of", [id])) as [bigint, string, number, bigint, number][];
  replace(
    view,
    h("h1", {}, t("Data set"), " ", h("code", {}, id), " ", h("small", {}, title)),
    facts([
      [t("Owner"), accountLink(owner)],
      [t("Classification"), t(CLASSIFICATION[classification] ?? String(classification))],
      [t("Updated"), frequency || "—"],
      [t("Endpoint"), h("code", { class: "wrap" }, endpoint)],
      [t("Keywords"), keywords.join(", ") || "—"],
      [t("Schema hash"), short(schema, 10)],
      [t("Access approved by"), h("span", {}, `${required} ${t("of")} `, ...approvers.map((a) => accountLink(a)))],
      [t("Published"), time(Number(published), lang())],
    ]),
    h("h2", {}, t("Who used it")),
    table(
      [t("Request"), t("Requester"), t("Status"), t("Expires"), t("Accesses")],
      usage.map(([request, requester, status, expires, accesses]) => [`#${request}`, accountLink(requester), t(REQUEST_STATUS[status] ?? String(status)), expires > 0n ? time(Number(expires), lang()) : "—", String(accesses)]),
      t("Nobody has asked for it."),
    ),
    h("p", { class: "note" }, t("Read through the application's query methods.")),
  );
}
