/** A tag, section or author: its articles, newest first, a page at a time. */
import type { TermKind } from "@newsdesk/client";

import { news } from "../app.js";
import { h, headExtras, setTitle } from "../dom.js";
import { card, nextPage, notFound } from "./parts.js";

const PAGE = 10;

export async function termPage(kind: TermKind, slug: string, url: URL): Promise<HTMLElement> {
  const after = url.searchParams.get("after");
  const term = await news.term(kind, slug, { first: PAGE, after });
  if (!term) return notFound(kind);
  setTitle(term.name);
  // Feeds narrowed to this term, for readers who follow it.
  const feeds = news.feeds({ [kind]: slug });
  headExtras([
    h("link", { rel: "alternate", type: "application/rss+xml", title: `${term.name} (RSS)`, href: feeds.rss }),
    h("link", { rel: "alternate", type: "application/atom+xml", title: `${term.name} (Atom)`, href: feeds.atom }),
  ]);
  const about = "bio" in term ? term.bio : "description" in term ? term.description : null;
  const label = kind === "author" ? "Articles by" : kind === "tag" ? "Tagged" : "Section";
  return h(
    "section",
    { class: "term" },
    h("p", { class: "kicker" }, label),
    h("h1", {}, term.name),
    about ? h("p", { class: "about" }, about) : null,
    h("p", { class: "meta" }, `${term.articleCount} articles · `, h("a", { href: feeds.rss }, "RSS"), " · ", h("a", { href: feeds.atom }, "Atom")),
    term.articles.nodes.map((a) => card(a, "h2")),
    nextPage(url, term.articles.pageInfo.endCursor, term.articles.pageInfo.hasNextPage),
  );
}
