/** The client against a real server: `npm test` starts one (test/server.ts). */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";

import { Newsdesk, NewsdeskError, type MostReadEntry, type StreamEvent } from "../src/index.js";
import { startServer, staffToken, type Running } from "./server.js";

let server: Running;
let news: Newsdesk;
let staff: Newsdesk;

before(async () => {
  server = await startServer();
  news = new Newsdesk({ baseUrl: server.base, webSocketImpl: WebSocket });
  staff = new Newsdesk({ baseUrl: server.base, token: await staffToken(server.base) });
});

after(async () => {
  await news?.close();
  await server?.stop();
});

/** The newest demo article: the one the page tests open. */
async function newest() {
  const { articles } = await news.articles({ first: 1 });
  const first = articles.nodes[0];
  assert.ok(first, "the demo corpus is loaded");
  return first;
}

describe("article page", () => {
  test("one request brings the article, its JSON-LD, related picks with reasons and the most-read box", async () => {
    const card = await newest();
    const page = await news.articlePage(card.slug);
    const article = page.article;
    assert.ok(article);
    assert.equal(article.title, card.title);
    assert.ok(article.bodyHtml.includes("<p>"));
    assert.ok(article.tags.length >= 1);
    const ld = JSON.parse(article.jsonLd) as Record<string, unknown>;
    assert.equal(ld["@type"], "NewsArticle");
    assert.equal(ld.headline, article.title);
    assert.ok(article.related.length > 0, "the demo corpus has related stories");
    for (const pick of article.related) {
      assert.notEqual(pick.article.slug, article.slug);
      const sum = pick.reasons.reduce((s, r) => s + r.weight, 0);
      assert.ok(Math.abs(sum - pick.score) < 1e-6, `reasons add up to the score (${sum} vs ${pick.score})`);
    }
    assert.ok(Array.isArray(page.mostRead));
  });

  test("REST related agrees with GraphQL related, typed from the OpenAPI document", async () => {
    const card = await newest();
    const rest = await news.related(card.slug, 5);
    const page = await news.articlePage(card.slug, { related: 5 });
    assert.deepEqual(
      rest.map((r) => r.article.slug),
      page.article?.related.map((r) => r.article.slug),
    );
    assert.ok(rest.every((r) => r.reasons.every((reason) => typeof reason.kind === "string")));
  });

  test("an unknown slug is null, not an error", async () => {
    const page = await news.articlePage("no-such-article-anywhere");
    assert.equal(page.article, null);
  });
});

describe("lists", () => {
  test("cursor paging walks the list newest first without repeats", async () => {
    const one = await news.articles({ first: 5 });
    assert.equal(one.articles.nodes.length, 5);
    assert.ok(one.articles.pageInfo.hasNextPage);
    const two = await news.articles({ first: 5, after: one.articles.pageInfo.endCursor });
    const slugs = [...one.articles.nodes, ...two.articles.nodes].map((a) => a.slug);
    assert.equal(new Set(slugs).size, 10);
    const dates = [...one.articles.nodes, ...two.articles.nodes].map((a) => Date.parse(a.publishedAt ?? ""));
    assert.deepEqual([...dates].sort((a, b) => b - a), dates);
  });

  test("a tag, a section and an author each list their articles; an unknown one is null", async () => {
    const card = await newest();
    const page = await news.articlePage(card.slug);
    const tag = page.article?.tags[0];
    assert.ok(tag && card.section && card.authors[0]);
    const byTag = await news.term("tag", tag.slug, { first: 50 });
    assert.ok(byTag?.articles.nodes.some((a) => a.slug === card.slug));
    const bySection = await news.term("section", card.section.slug, { first: 50 });
    assert.ok(bySection?.articles.nodes.every((a) => a.section?.slug === card.section?.slug));
    const byAuthor = await news.term("author", card.authors[0].slug, { first: 50 });
    assert.ok(byAuthor?.articles.nodes.every((a) => a.authors.some((p) => p.slug === card.authors[0]?.slug)));
    assert.equal(await news.term("tag", "no-such-tag"), null);
  });

  test("search highlights its matches", async () => {
    const hits = await news.search("harbour");
    assert.ok(hits.nodes.length > 0);
    assert.ok(hits.nodes.every((h) => /<mark>/i.test(h.highlight)));
  });

  test("bad input is a NewsdeskError with the GraphQL code", async () => {
    await assert.rejects(news.articles({ first: 1000 }), (e: unknown) => {
      assert.ok(e instanceof NewsdeskError);
      assert.equal(e.code, "BAD_USER_INPUT");
      return true;
    });
  });

  test("feed URLs are narrowed and answer with their formats", async () => {
    const card = await newest();
    const feeds = news.feeds({ section: card.section?.slug });
    assert.ok(feeds.rss.endsWith(`/feeds/rss.xml?section=${card.section?.slug}`));
    const rss = await fetch(feeds.rss);
    assert.match(rss.headers.get("content-type") ?? "", /rss\+xml/);
    const json = (await (await fetch(feeds.json)).json()) as { items: { title: string }[] };
    assert.ok(json.items.some((i) => i.title === card.title));
  });
});

describe("comments", () => {
  test("a comment waits for moderation, then shows in both APIs", async () => {
    const card = await newest();
    const body = `A reader's note ${Date.now()}`;
    const sent = await news.submitComment(card.slug, { authorName: "Client Test", body });
    assert.equal(sent.status, "pending");
    assert.ok(!(await news.comments(card.slug)).some((c) => c.body === body));
    const { response } = await staff.rest.PATCH("/api/v1/comments/{id}", {
      params: { path: { id: sent.id } },
      body: { status: "approved" },
    });
    assert.equal(response.status, 200);
    assert.ok((await news.comments(card.slug)).some((c) => c.body === body));
    const page = await news.articlePage(card.slug);
    assert.ok(page.article?.comments.nodes.some((c) => c.bodyHtml.includes("note")));
  });
});

describe("live", () => {
  test("views move an article up the live most-read list", async () => {
    const { articles } = await news.articles({ first: 20 });
    const target = articles.nodes[articles.nodes.length - 1];
    assert.ok(target);
    const lists: MostReadEntry[][] = [];
    const unsubscribe = news.onMostRead("24h", (list) => lists.push(list));
    try {
      await until(() => lists.length > 0, "the first list");
      for (let i = 0; i < 6; i++) {
        const counted = await new Newsdesk({
          baseUrl: server.base,
          fetch: (url, init) =>
            fetch(url, { ...init, headers: { ...(init?.headers as object), "user-agent": `Mozilla/5.0 ClientTest/${i}` } }),
        }).recordView(target.slug);
        assert.ok(counted, "a new reader's view counts");
      }
      await until(() => lists.at(-1)?.[0]?.article.slug === target.slug, "the target on top", 30_000);
      assert.ok((lists.at(-1)?.[0]?.views ?? 0) >= 6);
    } finally {
      unsubscribe();
    }
  });

  test("the event stream delivers a publication, and resumes after an event id", async () => {
    const events: StreamEvent[] = [];
    const abort = new AbortController();
    const done = news.stream((e) => events.push(e), { signal: abort.signal });
    await new Promise((r) => setTimeout(r, 300));
    const title = `Stream check ${Date.now()}`;
    const { response } = await staff.rest.POST("/api/v1/articles", {
      body: { title, body: "Published to see it arrive.", body_format: "text", status: "published" },
    });
    assert.equal(response.status, 201);
    await until(() => events.some((e) => e.event === "article.published"), "article.published");
    abort.abort();
    await done;
    const published = events.find((e) => e.event === "article.published");
    assert.ok(JSON.stringify(published?.data).includes(title));
    assert.ok(published?.id);

    // Resuming after the event before it replays this one first.
    const replayed: StreamEvent[] = [];
    const again = new AbortController();
    const resumed = news.stream((e) => replayed.push(e), {
      signal: again.signal,
      lastEventId: String(Number(published.id) - 1),
    });
    await until(() => replayed.length > 0, "the replayed event");
    again.abort();
    await resumed;
    assert.equal(replayed[0]?.id, published.id);
    assert.equal(replayed[0]?.event, "article.published");
  });
});

async function until(ok: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
