/**
 * Starts a real `newsdesk serve --demo` on a free port with its own SQLite
 * file, for the tests. The binary is `$NEWSDESK_BIN`, else the workspace's
 * debug build, brought up to date first (a stale binary would test old code).
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ADMIN = { email: "admin@reader.example", password: "correct horse battery staple" };

export interface Running {
  base: string;
  stop(): Promise<void>;
}

export function newsdeskBinary(): string {
  if (process.env.NEWSDESK_BIN) return process.env.NEWSDESK_BIN;
  const root = resolve(import.meta.dirname ?? ".", "../../../..");
  const meta = JSON.parse(
    execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root, encoding: "utf8" }),
  ) as { target_directory: string };
  execFileSync("cargo", ["build", "-p", "newsdesk-api", "--bin", "newsdesk"], { cwd: root, stdio: "inherit" });
  return join(meta.target_directory, "debug", "newsdesk");
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/** The environment of a test server on `port` with its database in `dir`. */
export function serverEnv(dir: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NEWSDESK_DATABASE_URL: `sqlite://${join(dir, "newsdesk.db")}`,
    NEWSDESK_BIND: `127.0.0.1:${port}`,
    NEWSDESK_PUBLIC_URL: `http://127.0.0.1:${port}`,
    NEWSDESK_JWT_SECRET: "test-secret-of-enough-length-0123456789abcdef",
    NEWSDESK_ADMIN_EMAIL: ADMIN.email,
    NEWSDESK_ADMIN_PASSWORD: ADMIN.password,
    RUST_LOG: "warn",
  };
}

export async function startServer(extraArgs: string[] = []): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "newsdesk-client-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(newsdeskBinary(), ["serve", "--demo", ...extraArgs], {
    env: serverEnv(dir, port),
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitReady(base, child);
  return {
    base,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for `/readyz`; fails if the server exits first. */
export async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`newsdesk exited with ${child.exitCode}`);
    const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error("newsdesk did not become ready in 60 s");
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function staffToken(base: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
