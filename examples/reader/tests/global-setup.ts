/**
 * Starts the server the browser tests read from: the release binary with
 * the demo corpus, an article in the publishers' plain-text layout imported
 * with `newsdesk import` and put in Home News, and the built site served
 * by `--site`. Its address is handed to the tests in NEWSDESK_READER_URL.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { freePort, newsdeskBinary, serverEnv, staffToken, waitReady } from "../../../clients/typescript/test/server.js";

const here = import.meta.dirname;

export default async function globalSetup() {
  const bin = newsdeskBinary();
  const dir = mkdtempSync(join(tmpdir(), "newsdesk-reader-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = serverEnv(dir, port);
  // The demo corpus loads only into an empty database: first the demo, then the import.
  const demo = spawn(bin, ["serve", "--demo"], { env, stdio: ["ignore", "ignore", "inherit"] });
  await waitReady(base, demo);
  await stop(demo);
  execFileSync(bin, ["import", join(here, "fixtures/seed-layout.txt")], { env, stdio: ["ignore", "ignore", "inherit"] });
  const site = resolve(here, "../dist");
  const server = spawn(bin, ["serve", "--site", site], { env, stdio: ["ignore", "ignore", "inherit"] });
  await waitReady(base, server);
  const token = await staffToken(base);
  const slug = "harbour-wall-repairs-begin-as-council-races-storm-season-deadline";
  const res = await fetch(`${base}/api/v1/articles/${slug}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ section: "Home News" }),
  });
  if (!res.ok) throw new Error(`could not put the seed article in Home News: ${res.status} ${await res.text()}`);
  process.env.NEWSDESK_READER_URL = base;
  process.env.NEWSDESK_SEED_SLUG = slug;
  return async () => {
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  };
}

function stop(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null) return ok();
    child.once("exit", () => ok());
    child.kill("SIGTERM");
  });
}
