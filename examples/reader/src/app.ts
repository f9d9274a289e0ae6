/** The client every page uses, and what a page leaves running. */
import { Newsdesk } from "@newsdesk/client";

/** The API on the page's own origin (Vite forwards it in development). */
export const news = new Newsdesk({ baseUrl: "" });

let cleanups: (() => void)[] = [];
let rendered: (() => void)[] = [];

/** Something to do once the page is on screen (record the view), not before. */
export function afterRender(task: () => void) {
  rendered.push(task);
}

export function pageShown() {
  for (const task of rendered) task();
  rendered = [];
}

/** Something to stop (a live subscription) when the next page renders. */
export function onLeave(cleanup: () => void) {
  cleanups.push(cleanup);
}

export function leavePage() {
  for (const stop of cleanups) stop();
  cleanups = [];
  rendered = [];
}
