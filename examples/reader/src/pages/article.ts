/**
 * An article, laid out like a news site's page: headline, byline, date,
 * body, tags, "More NAME News" from the related ranking (each pick's
 * reasons on hover), the discussion and the most-read box. One GraphQL
 * request renders it all, JSON-LD included; the view is recorded after.
 */
import type { ArticlePage } from "@newsdesk/client";

import { afterRender, news } from "../app.js";
import { h, headExtras, setTitle, time, trusted } from "../dom.js";
import { discussion } from "./comments.js";
import { byline, mostReadBox, notFound } from "./parts.js";

type Article = NonNullable<ArticlePage["article"]>;

export async function articlePage(slug: string): Promise<HTMLElement> {
  const { article, mostRead } = await news.articlePage(slug);
  if (!article) return notFound("article");
  setTitle(article.title);
  headExtras([
    h("link", { rel: "canonical", href: article.canonicalUrl }),
    h("meta", { name: "description", content: article.excerpt }),
    jsonLd(article.jsonLd),
  ]);
  // Once the page is shown: the first render waits for one request only.
  // A failure costs the reader nothing.
  afterRender(() => void news.recordView(article.slug).catch(() => undefined));
  return h(
    "div",
    { class: "with-sidebar" },
    h("div", { class: "story" }, story(article), moreNews(article), discussion(article)),
    mostReadBox(mostRead),
  );
}

function jsonLd(text: string): HTMLScriptElement {
  const script = document.createElement("script");
  script.type = "application/ld+json";
  script.textContent = text;
  return script;
}

function story(a: Article): HTMLElement {
  return h(
    "article",
    { class: "article", lang: a.language },
    a.section ? h("p", { class: "kicker" }, h("a", { href: `/sections/${a.section.slug}` }, a.section.name)) : null,
    h("h1", { class: "headline" }, a.title),
    a.subtitle ? h("p", { class: "subtitle" }, a.subtitle) : null,
    byline(a.authors),
    h("p", { class: "meta" }, time(a.publishedAt), ` · ${a.readingTimeMinutes} min read`),
    a.image
      ? h("figure", {}, h("img", { src: a.image.url, alt: a.image.alt ?? "" }), a.image.caption ? h("figcaption", {}, a.image.caption) : null)
      : null,
    // Sanitised by the server when it was written.
    trusted("div", "body", a.bodyHtml),
    a.corrections.length
      ? h(
          "aside",
          { class: "corrections", "aria-label": "Corrections" },
          h("h2", {}, "Corrections"),
          h("ul", {}, a.corrections.map((c) => h("li", {}, time(c.publishedAt), ": ", c.text))),
        )
      : null,
    a.tags.length
      ? h(
          "nav",
          { class: "tags", "aria-label": "Tags" },
          h("h2", {}, "Tags"),
          h("ul", {}, a.tags.map((t) => h("li", {}, h("a", { href: `/tags/${t.slug}`, rel: "tag" }, t.name)))),
        )
      : null,
  );
}

/** Why a pick was made, as the hover text: each reason with its share of the score. */
function reasonText(pick: Article["related"][number]): string {
  return pick.reasons.map((r) => `${r.detail} (+${r.weight.toFixed(2)})`).join("\n");
}

/** The kinds of reason, each once: "shared tag, similar text, recency". */
function kinds(pick: Article["related"][number]): string {
  return [...new Set(pick.reasons.map((r) => r.kind.toLowerCase().replaceAll("_", " ")))].join(", ");
}

function moreNews(a: Article): HTMLElement {
  // "More Home News" for the section Home News, "More Science News" for Science.
  const name = a.section?.name.replace(/\s*News$/i, "") ?? "";
  const title = name ? `More ${name} News` : "More News";
  return h(
    "section",
    { class: "related", "aria-labelledby": "related-title" },
    h("h2", { id: "related-title" }, title),
    a.related.length
      ? h(
          "ul",
          {},
          a.related.map((pick) =>
            h(
              "li",
              { title: reasonText(pick), "data-score": pick.score.toFixed(3) },
              h("a", { href: `/articles/${pick.article.slug}` }, pick.article.title),
              h("span", { class: "reasons" }, kinds(pick)),
            ),
          ),
        )
      : h("p", { class: "empty" }, "Nothing related yet."),
  );
}
