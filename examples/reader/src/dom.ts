/** Small DOM helpers: text goes in as text, never as markup. */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** An element with attributes (`on*` as listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/**
 * HTML the server already made safe: article bodies (sanitised on write)
 * and search highlights (escaped, with only `<mark>` added).
 */
export function trusted(tag: "div" | "p" | "span", className: string, html: string): HTMLElement {
  const el = document.createElement(tag);
  el.className = className;
  el.innerHTML = html;
  return el;
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" });

export function time(iso: string | null | undefined): HTMLElement | null {
  if (!iso) return null;
  return h("time", { datetime: iso }, `${dateFormat.format(new Date(iso))} UTC`);
}

export function setTitle(title: string) {
  document.title = title ? `${title} · newsdesk reader` : "newsdesk reader";
}

/** Replaces what `<head>` carries for the page before (JSON-LD, canonical, feeds of a term). */
export function headExtras(nodes: Node[]) {
  for (const old of document.head.querySelectorAll("[data-page]")) old.remove();
  for (const node of nodes) {
    if (node instanceof Element) node.setAttribute("data-page", "");
    document.head.append(node);
  }
}
