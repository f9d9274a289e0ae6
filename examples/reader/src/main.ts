/**
 * The reader: a page per route, each rendered from one GraphQL request
 * through the typed client. Links inside the site change the page without
 * a reload (history API); the server (`serve --site`) or Vite answers a
 * page path with index.html, so any URL also opens directly.
 */
import "./style.css";
import { leavePage, pageShown } from "./app.js";
import { articlePage } from "./pages/article.js";
import { homePage } from "./pages/home.js";
import { searchPage } from "./pages/search.js";
import { termPage } from "./pages/term.js";
import { h } from "./dom.js";
import { notFound } from "./pages/parts.js";

const main = document.getElementById("main") as HTMLElement;

async function render() {
  leavePage();
  const url = new URL(location.href);
  const [, kind, slug] = url.pathname.split("/");
  let page: HTMLElement;
  try {
    if (!kind) page = await homePage();
    else if (kind === "articles" && slug) page = await articlePage(decodeURIComponent(slug));
    else if (kind === "tags" && slug) page = await termPage("tag", decodeURIComponent(slug), url);
    else if (kind === "sections" && slug) page = await termPage("section", decodeURIComponent(slug), url);
    else if (kind === "authors" && slug) page = await termPage("author", decodeURIComponent(slug), url);
    else if (kind === "search") page = await searchPage(url);
    else page = notFound();
  } catch (e) {
    page = h("section", { class: "error" }, h("h1", {}, "Something went wrong"), h("p", {}, String(e)));
  }
  main.replaceChildren(page);
  pageShown();
  window.scrollTo(0, 0);
}


/** Paths the API and the server own: a link there leaves the app. */
const serverPaths = /^\/(api|feeds|docs|graphql|openapi\.json|sitemap|news-sitemap|robots)/;

export function navigate(href: string) {
  history.pushState(null, "", href);
  void render();
}

document.addEventListener("click", (e) => {
  const link = (e.target as Element | null)?.closest?.("a");
  if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || link.target) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || serverPaths.test(url.pathname)) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});

document.addEventListener("submit", (e) => {
  const form = e.target as HTMLFormElement;
  if (form.getAttribute("action") !== "/search") return;
  e.preventDefault();
  const q = new FormData(form).get("q");
  navigate(`/search?q=${encodeURIComponent(String(q ?? ""))}`);
});

window.addEventListener("popstate", () => void render());
void render();
