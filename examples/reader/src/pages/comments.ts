/** "Join the Discussion": approved comments as threads, and a form for a new one. */
import { NewsdeskError, type ArticlePage } from "@newsdesk/client";

import { news } from "../app.js";
import { h, time, trusted } from "../dom.js";

type Article = NonNullable<ArticlePage["article"]>;
type Comment = Article["comments"]["nodes"][number];

export function discussion(a: Article): HTMLElement {
  return h(
    "section",
    { class: "discussion", "aria-labelledby": "discussion-title" },
    h("h2", { id: "discussion-title" }, "Join the Discussion"),
    thread(a.comments.nodes),
    a.commentsClosed ? h("p", { class: "closed" }, "Comments are closed on this article.") : commentForm(a.slug),
  );
}

/** Comments under their parents, oldest first, as nested lists. */
function thread(comments: Comment[]): HTMLElement {
  if (comments.length === 0) return h("p", { class: "empty" }, "No comments yet. Be the first.");
  const children = new Map<string | null, Comment[]>();
  const ids = new Set(comments.map((c) => c.id));
  for (const c of comments) {
    // A reply whose parent is not shown (not approved) stands on its own.
    const parent = c.parentId && ids.has(c.parentId) ? c.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  const list = (parent: string | null): HTMLElement =>
    h(
      "ol",
      { class: "comments" },
      (children.get(parent) ?? []).map((c) =>
        h(
          "li",
          { id: `comment-${c.id}` },
          h("article", { class: "comment" }, h("p", { class: "who" }, h("strong", {}, c.authorName), " · ", time(c.createdAt)), trusted("div", "text", c.bodyHtml)),
          children.has(c.id) ? list(c.id) : null,
        ),
      ),
    );
  return list(null);
}

function commentForm(slug: string): HTMLElement {
  const status = h("p", { class: "form-status", role: "status", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "comment-form" },
    h("h3", {}, "Add a comment"),
    h("label", { for: "c-name" }, "Name"),
    h("input", { id: "c-name", name: "authorName", required: true, maxlength: 80, autocomplete: "name" }),
    h("label", { for: "c-email" }, "E-mail (optional, never shown)"),
    h("input", { id: "c-email", name: "authorEmail", type: "email", autocomplete: "email" }),
    h("label", { for: "c-body" }, "Comment"),
    h("textarea", { id: "c-body", name: "body", required: true, rows: 4 }),
    // Hidden from people; bots that fill it in are turned away by the server.
    h("div", { class: "trap", "aria-hidden": "true" }, h("label", { for: "c-website" }, "Website"), h("input", { id: "c-website", name: "website", tabindex: -1, autocomplete: "off" })),
    h("button", { type: "submit" }, "Post comment"),
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const value = (k: string) => String(data.get(k) ?? "").trim();
    const button = form.querySelector("button");
    if (button) button.disabled = true;
    try {
      await news.submitComment(slug, {
        authorName: value("authorName"),
        authorEmail: value("authorEmail") || null,
        body: value("body"),
        website: value("website") || null,
      });
      form.reset();
      status.textContent = "Thank you. Your comment awaits moderation and will appear once an editor approves it.";
    } catch (err) {
      status.textContent = err instanceof NewsdeskError ? `Not sent: ${err.message}` : "Not sent: the server could not be reached.";
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}
