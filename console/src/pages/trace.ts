// A product batch's trace (the trace application, docs/apps/trace.md): what it is, who holds
// it, its events in EPCIS terms, where it came from and what it went into, and a recall if
// there is one. For a consumer at a shelf, at phone width.

import { accountLink, facts, h, link, replace, time } from "../dom.js";
import { lang, t } from "../i18n.js";
import { NotFound, application } from "./tx.js";

const STATUS = ["active", "in transit", "consumed", "packed", "recalled"];
const KIND = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent"];
const ACTION = ["ADD", "OBSERVE", "DELETE"];

type Batch = [
  [string, string, string, string | null, number],
  [bigint, string, string, [string, string][], [bigint, bigint] | null],
  [number, number, string[], string | null],
  [number, string],
];
type TraceEvent = [[bigint, string, number, number], [string, string, string], [[string, bigint, bigint][], string[], string]];

export const traceLink = (code: string) => link(`#/trace/${encodeURIComponent(code)}`, code);

export async function trace(view: HTMLElement, code: string): Promise<void> {
  const contract = await application("trace");
  if (!contract) throw new Error(t("This chain has no trace application."));
  let batch: Batch;
  try {
    batch = (await contract.query("batch_of", [code])) as Batch;
  } catch {
    throw new NotFound(code);
  }
  const [[product, producer, holder, shippedTo, status], [quantity, unit, origin, attributes, coldChain], [excursions, failed, parents, container], [eventCount, recallReason]] = batch;
  const [events, children] = await Promise.all([
    Promise.all(Array.from({ length: eventCount }, (_, n) => contract.query("event_of", [code, n]) as Promise<TraceEvent | null>)),
    contract.query("children_of", [code]) as Promise<string[]>,
  ]);
  const degrees = (v: bigint) => `${(Number(v) / 1000).toFixed(1)} °C`;
  replace(
    view,
    h("h1", {}, product, " ", h("small", { class: "wrap" }, code)),
    status === 4 ? h("div", { class: "verdict bad", role: "alert" }, `⚠ ${t("Recalled")}: ${recallReason}`) : "",
    facts([
      [t("Status"), t(STATUS[status] ?? String(status))],
      [t("Quantity"), `${quantity} ${unit}`],
      [t("Origin"), origin || "—"],
      [t("Producer"), accountLink(producer)],
      [t("Holder"), accountLink(holder)],
      [t("Shipped to"), shippedTo ? accountLink(shippedTo) : "—"],
      [t("Cold chain"), coldChain ? `${degrees(coldChain[0])} – ${degrees(coldChain[1])}${excursions ? ` · ${t("{n} excursions", { n: excursions })}` : ""}` : "—"],
      [t("Failed inspections"), String(failed)],
      [t("Container"), container ? traceLink(container) : "—"],
      ...attributes.map(([k, v]) => [k, v] as [string, string]),
    ]),
    h("h2", {}, t("Made from")),
    parents.length ? h("ul", {}, ...parents.map((p) => h("li", {}, traceLink(p)))) : h("p", { class: "empty" }, t("None.")),
    h("h2", {}, t("Went into")),
    children.length ? h("ul", {}, ...children.map((c) => h("li", {}, traceLink(c)))) : h("p", { class: "empty" }, t("None.")),
    h("h2", {}, t("Events")),
    // A list, not a table: one event per item reads well on a phone at a shelf.
    events.some((e) => e !== null)
      ? h(
          "ol",
          { class: "events" },
          ...events
            .filter((e): e is TraceEvent => e !== null)
            .map(([[at, actor, kind, action], [step, disposition, place], [readings, related, detail]]) =>
              h(
                "li",
                {},
                h("strong", {}, step || `${KIND[kind] ?? kind}`),
                " → ",
                disposition,
                place ? ` · ${place}` : "",
                readings.length ? ` · ${readings.map(([name, value]) => `${name} ${(Number(value) / 1000).toFixed(1)}`).join(", ")}` : "",
                related.length ? ` · ↔ ${related.join(", ")}` : "",
                detail ? ` · ${detail}` : "",
                h("br", {}),
                h("small", {}, time(Number(at), lang()), ` · ${KIND[kind] ?? kind} ${ACTION[action] ?? action} · `, accountLink(actor)),
              ),
            ),
        )
      : h("p", { class: "empty" }, t("None.")),
    h("p", { class: "note" }, t("Read through the application's query methods; `citychain trace CODE` proves every record against a final block.")),
  );
}
