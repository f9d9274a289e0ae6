/** Search: the best matches first, with the server's highlighted snippets. */
import { news } from "../app.js";
import { h, headExtras, setTitle, time, trusted } from "../dom.js";
import { nextPage } from "./parts.js";

export async function searchPage(url: URL): Promise<HTMLElement> {
  const q = url.searchParams.get("q")?.trim() ?? "";
  setTitle(q ? `Search: ${q}` : "Search");
  headExtras([]);
  const form = h(
    "form",
    { class: "search-page", role: "search", action: "/search" },
    h("label", { for: "q" }, "Search the news"),
    h("input", { id: "q", name: "q", type: "search", value: q }),
    h("button", { type: "submit" }, "Search"),
  );
  if (!q) return h("section", { class: "search" }, h("h1", {}, "Search"), form);
  let results: HTMLElement;
  try {
    const hits = await news.search(q, { first: 10, after: url.searchParams.get("after") });
    results =
      hits.nodes.length === 0
        ? h("p", { class: "empty" }, `Nothing matches “${q}”.`)
        : h(
            "ol",
            { class: "hits" },
            hits.nodes.map((hit) =>
              h(
                "li",
                {},
                h("h2", {}, h("a", { href: `/articles/${hit.article.slug}` }, hit.article.title)),
                h("p", { class: "meta" }, time(hit.article.publishedAt), hit.article.section ? ` · ${hit.article.section.name}` : ""),
                // Escaped by the server, with only <mark> around the matches.
                trusted("p", "highlight", hit.highlight),
              ),
            ),
          );
    const more = nextPage(url, hits.pageInfo.endCursor, hits.pageInfo.hasNextPage);
    return h("section", { class: "search" }, h("h1", {}, `Search: ${q}`), form, results, more);
  } catch (e) {
    results = h("p", { class: "error", role: "alert" }, e instanceof Error ? e.message : String(e));
    return h("section", { class: "search" }, h("h1", {}, `Search: ${q}`), form, results);
  }
}
