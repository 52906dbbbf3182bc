// Building the page: elements are made with text nodes only (never HTML from strings), so a
// script tag in an on-chain string is shown as text. Formatting of numbers, hashes and times.

type Child = Node | string | number | bigint | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

/** `h("a", { href: "#/x" }, "text", child)`: an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** A key–value table. */
export function facts(rows: [string, Child | Child[]][]): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, ...(Array.isArray(v) ? v : [v]))]),
  );
}

export function table(head: string[], rows: Child[][], empty: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h("table", {}, h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c)))))),
  );
}

/** `0x1234…abcd`, with the whole value in the title. */
export function short(hex: string, keep = 6): HTMLElement {
  const text = hex.length > 2 * keep + 4 ? `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}` : hex;
  return h("code", { title: hex }, text);
}

export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return h("a", { href }, ...children);
}

export const blockLink = (height: number | string) => link(`#/block/${height}`, String(height));
export const txLink = (hash: string) => link(`#/tx/${hash}`, short(hash));
export const accountLink = (address: string) => link(`#/account/${address}`, short(address));

/** A whole number with separators; with `decimals`, as a decimal amount. */
export function amount(value: string | bigint | number, decimals = 0, lang = "en"): string {
  const v = BigInt(value);
  const locale = lang === "zh" ? "zh-CN" : "en-US";
  if (decimals === 0) return v.toLocaleString(locale);
  const scale = 10n ** BigInt(decimals);
  const whole = (v / scale).toLocaleString(locale);
  const fraction = (v % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

export function time(ms: number, lang = "en"): string {
  return new Date(ms).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}
