/** Pieces more than one page shows: article cards, the most-read box, paging. */
import type { ArticleCard, MostReadEntry } from "@newsdesk/client";

import { h, setTitle, time } from "../dom.js";
import { news, onLeave } from "../app.js";

export function byline(authors: ArticleCard["authors"]): HTMLElement | null {
  if (authors.length === 0) return null;
  const links = authors.flatMap((a, i) => [i > 0 ? ", " : "", h("a", { href: `/authors/${a.slug}`, rel: "author" }, a.name)]);
  return h("p", { class: "byline" }, "By ", ...links);
}

export function card(a: ArticleCard, headingLevel: "h2" | "h3" = "h3"): HTMLElement {
  return h(
    "article",
    { class: "card" },
    h(headingLevel, {}, h("a", { href: `/articles/${a.slug}` }, a.title)),
    h("p", { class: "meta" }, time(a.publishedAt), a.section ? ` · ${a.section.name}` : "", ` · ${a.readingTimeMinutes} min read`),
    h("p", { class: "excerpt" }, a.excerpt),
  );
}

/**
 * The most-read box: the list the page's query brought, then kept current
 * by the `mostReadChanged` subscription, without a reload.
 */
export function mostReadBox(initial: MostReadEntry[]): HTMLElement {
  const list = h("ol", { class: "most-read-list" });
  const empty = h("p", { class: "empty" }, "Nothing read yet today.");
  const fill = (entries: MostReadEntry[]) => {
    empty.hidden = entries.length > 0;
    list.replaceChildren(
      ...entries.slice(0, 5).map((e) =>
        h("li", {}, h("a", { href: `/articles/${e.article.slug}` }, e.article.title), h("span", { class: "views" }, ` ${e.reason}`)),
      ),
    );
  };
  fill(initial);
  const stop = news.onMostRead("24h", fill, (e) => console.warn("most-read updates stopped", e));
  onLeave(stop);
  return h("aside", { class: "most-read", "aria-labelledby": "most-read-title" }, h("h2", { id: "most-read-title" }, "Most read"), list, empty);
}

/** A link to the next page of a cursor-paged list, keeping the rest of the query. */
export function nextPage(url: URL, endCursor: string | null | undefined, hasNext: boolean): HTMLElement | null {
  if (!hasNext || !endCursor) return null;
  const next = new URL(url);
  next.searchParams.set("after", endCursor);
  return h("nav", { class: "paging", "aria-label": "Pages" }, h("a", { href: next.pathname + next.search, rel: "next" }, "Older articles →"));
}

export function notFound(what = "page"): HTMLElement {
  setTitle("Not found");
  return h("section", { class: "error" }, h("h1", {}, `No such ${what}`), h("p", {}, h("a", { href: "/" }, "Back to the news")));
}
