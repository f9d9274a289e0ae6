/** Home: the latest articles grouped by section, and the most-read box. */
import type { ArticleCard } from "@newsdesk/client";

import { news } from "../app.js";
import { h, headExtras, setTitle } from "../dom.js";
import { card, mostReadBox } from "./parts.js";

export async function homePage(): Promise<HTMLElement> {
  const { articles, mostRead } = await news.home(40);
  setTitle("");
  headExtras([]);
  const groups = new Map<string, { name: string; slug: string | null; items: ArticleCard[] }>();
  for (const a of articles.nodes) {
    const key = a.section?.slug ?? "";
    const group = groups.get(key) ?? { name: a.section?.name ?? "More news", slug: a.section?.slug ?? null, items: [] };
    group.items.push(a);
    groups.set(key, group);
  }
  const sections = [...groups.values()].map((g) =>
    h(
      "section",
      { class: "section-group", "aria-labelledby": `s-${g.slug ?? "other"}` },
      h("h2", { id: `s-${g.slug ?? "other"}` }, g.slug ? h("a", { href: `/sections/${g.slug}` }, g.name) : g.name),
      g.items.slice(0, 6).map((a) => card(a)),
    ),
  );
  return h(
    "div",
    { class: "with-sidebar" },
    h("div", { class: "home" }, h("h1", { class: "visually-hidden" }, "The latest news"), sections),
    mostReadBox(mostRead),
  );
}
