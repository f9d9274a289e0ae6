/** The reader in a real browser, against the release server with `--site`. */
import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import { staffToken } from "../../../clients/typescript/test/server.js";

const base = () => process.env.NEWSDESK_READER_URL ?? "";
const seed = () => process.env.NEWSDESK_SEED_SLUG ?? "";

/** Console errors and uncaught exceptions of a page, to assert there are none. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

test("every page renders with no console error", async ({ page }) => {
  const errors = watchErrors(page);
  const visit = async (path: string, heading: RegExp | string) => {
    await page.goto(`${base()}${path}`);
    await expect(page.locator("main h1").first()).toHaveText(heading);
  };
  await visit("/", "The latest news");
  await expect(page.locator(".section-group")).not.toHaveCount(0);
  await visit(`/articles/${seed()}`, /Harbour Wall Repairs Begin/);
  await visit("/tags/harbour", "Harbour");
  await visit("/authors/tomas-reyes", "Tomas Reyes");
  await visit("/search?q=harbour", "Search: harbour");
  await expect(page.locator(".hits mark").first()).toBeVisible();
  await visit("/articles/no-such-story", "No such article");
  // Cursor paging: Home News holds more than a page.
  await visit("/sections/home-news", "Home News");
  const first = await page.locator(".term article h2").allTextContents();
  expect(first).toHaveLength(10);
  await page.getByRole("link", { name: "Older articles →" }).click();
  await expect(page).toHaveURL(/after=/);
  await expect(page.locator(".term article h2").first()).not.toHaveText(first[0] ?? "");
  const second = await page.locator(".term article h2").allTextContents();
  expect(second.length).toBeGreaterThan(0);
  expect(second.filter((t) => first.includes(t))).toEqual([]);
  expect(errors).toEqual([]);
});

test("the seed-layout article shows headline, byline, four tags, related news and its JSON-LD", async ({ page }, info) => {
  const errors = watchErrors(page);
  await page.goto(`${base()}/articles/${seed()}`);
  await expect(page.locator("h1.headline")).toHaveText("Harbour Wall Repairs Begin as Council Races Storm Season Deadline");
  const author = page.locator(".byline a");
  await expect(author).toHaveText("Tomas Reyes");
  await expect(author).toHaveAttribute("href", "/authors/tomas-reyes");
  await expect(page.locator("article time").first()).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT/);
  await expect(page.locator(".tags li a")).toHaveText(["Harbour", "Storm", "Coastal Defences", "City Council"], { ignoreCase: false });
  await expect(page.locator("#related-title")).toHaveText("More Home News");
  const picks = page.locator(".related li");
  await expect(picks).not.toHaveCount(0);
  // The page furniture of the source file is not part of the article.
  await expect(page.locator(".body")).not.toContainText("Join the Discussion");
  // Each pick says why on hover: its reasons with their weights.
  await expect(picks.first()).toHaveAttribute("title", /\(\+\d\.\d\d\)/);
  const ld = JSON.parse((await page.locator('head script[type="application/ld+json"]').textContent()) ?? "{}");
  expect(ld["@type"]).toBe("NewsArticle");
  expect(ld.headline).toBe("Harbour Wall Repairs Begin as Council Races Storm Season Deadline");
  await expect(page.locator('head link[rel="alternate"][type="application/rss+xml"]')).toHaveAttribute("href", "/feeds/rss.xml");
  await expect(page.locator('head link[rel="alternate"][type="application/atom+xml"]')).toHaveAttribute("href", "/feeds/atom.xml");
  await page.screenshot({ path: info.outputPath("article.png"), fullPage: true });
  await page.screenshot({ path: "test-results/article.png", fullPage: true });
  expect(errors).toEqual([]);
});

test("a comment posted in the browser appears once an editor approves it", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`${base()}/articles/${seed()}`);
  const body = `The tide tables for the repair work would help. (${Date.now()})`;
  await page.getByLabel("Name").fill("Quay Resident");
  await page.getByLabel("Comment").fill(body);
  await page.getByRole("button", { name: "Post comment" }).click();
  await expect(page.getByRole("status")).toContainText("awaits moderation");
  await expect(page.locator(".discussion")).not.toContainText(body);

  const auth = { authorization: `Bearer ${await staffToken(base())}` };
  const queue = (await (await fetch(`${base()}/api/v1/comments?status=pending`, { headers: auth })).json()) as {
    data: { id: string; body: string }[];
  };
  const pending = queue.data.find((c) => c.body === body);
  expect(pending, "the comment is in the moderation queue").toBeTruthy();
  const approved = await fetch(`${base()}/api/v1/comments/${pending?.id}`, {
    method: "PATCH",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ status: "approved" }),
  });
  expect(approved.status).toBe(200);
  await page.reload();
  await expect(page.locator(".comments .comment").filter({ hasText: body })).toHaveCount(1);
  await expect(page.locator(".comments .comment").filter({ hasText: body })).toContainText("Quay Resident");
  expect(errors).toEqual([]);
});

test("recording views moves an article up the most-read box without a reload", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`${base()}/`);
  await expect(page.locator(".most-read h2")).toHaveText("Most read");
  // Marks this document: a reload would lose it.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  const list = (await (await fetch(`${base()}/api/v1/articles?section=science&limit=1`)).json()) as {
    data: { slug: string; title: string }[];
  };
  const target = list.data[0];
  expect(target).toBeTruthy();
  // Distinct readers (user agents); more views than any other article has.
  for (let i = 0; i < 8; i++) {
    const res = await fetch(`${base()}/api/v1/articles/${target?.slug}/views`, {
      method: "POST",
      headers: { "user-agent": `Mozilla/5.0 (X11; Linux x86_64) ReaderTest/${i}` },
    });
    expect(res.status).toBe(202);
  }
  await expect(page.locator(".most-read-list li a").first()).toHaveText(target?.title ?? "", { timeout: 30_000 });
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  expect(errors).toEqual([]);
});

test("axe-core finds no serious accessibility violation", async ({ page }) => {
  const axe = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  for (const path of ["/", `/articles/${seed()}`, "/sections/home-news", "/search?q=harbour"]) {
    await page.goto(`${base()}${path}`);
    await expect(page.locator("main h1").first()).toBeVisible();
    await page.addScriptTag({ content: axe });
    type Result = { passes: unknown[]; violations: { id: string; impact: string; nodes: unknown[] }[] };
    const { passed, violations } = await page.evaluate(async () => {
      const result = await (window as unknown as { axe: { run: () => Promise<Result> } }).axe.run();
      return { passed: result.passes.length, violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) };
    });
    expect(passed, "axe ran its rules").toBeGreaterThan(10);
    const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious, `${path}: ${JSON.stringify(violations)}`).toEqual([]);
  }
});

test("a cold article page needs one API request to render, and its bytes are reported", async ({ browser }, info) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Each API request by what it asks: the GraphQL operation, or the REST path.
  const api: string[] = [];
  const sizes: Promise<{ url: string; bytes: number }>[] = [];
  const sockets: string[] = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path === "/graphql") api.push(/(query|mutation) (\w+)/.exec(r.postData() ?? "")?.[2] ?? "graphql");
    else if (path.startsWith("/api/")) api.push(path);
  });
  page.on("requestfinished", (r) => {
    sizes.push(r.sizes().then((s) => ({ url: new URL(r.url()).pathname, bytes: s.responseBodySize + s.responseHeadersSize })));
  });
  page.on("websocket", (ws) => sockets.push(new URL(ws.url()).pathname));
  await page.goto(`${base()}/articles/${seed()}`);
  await expect(page.locator(".related li").first()).toBeVisible();
  // The calls after the first render: the view, the live most-read socket.
  await expect.poll(() => sockets).toEqual(["/graphql"]);
  await expect.poll(() => api.length).toBe(2);
  await page.waitForLoadState("networkidle");
  // The page itself is one query; the view is recorded once it is shown.
  expect(api).toEqual(["ArticlePage", "RecordView"]);
  const all = await Promise.all(sizes);
  const total = all.reduce((s, r) => s + r.bytes, 0);
  const apiBytes = all.filter((r) => r.url === "/graphql" || r.url.startsWith("/api/")).reduce((s, r) => s + r.bytes, 0);
  const report = { requests: all.length, api, websockets: sockets.length, totalBytes: total, apiBytes, files: all };
  await info.attach("article-page-bytes.json", { body: JSON.stringify(report, null, 2), contentType: "application/json" });
  console.log(`article page, cold cache: ${all.length} HTTP requests, ${total} bytes (${apiBytes} of them API: ${api.join(", ")}) and ${sockets.length} WebSocket`);
  for (const f of all) console.log(`  ${f.bytes}\t${f.url}`);
  expect(total).toBeGreaterThan(0);
  await context.close();
});
