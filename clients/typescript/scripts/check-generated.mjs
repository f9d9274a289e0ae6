// Regenerating the client from the committed schemas must change nothing,
// as the schema.graphql test does for the server: generate into a scratch
// copy and compare it with src/generated.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const here = new URL("..", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "newsdesk-codegen-"));
const committed = join(here, "src/generated");
cpSync(committed, join(scratch, "before"), { recursive: true });
const stale = [];
try {
  execFileSync("npm", ["run", "--silent", "generate"], { cwd: here, stdio: ["ignore", "ignore", "inherit"] });
  const files = (dir) =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
  const before = new Map(files(join(scratch, "before")).map((f) => [relative(join(scratch, "before"), f), readFileSync(f, "utf8")]));
  const after = new Map(files(committed).map((f) => [relative(committed, f), readFileSync(f, "utf8")]));
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(name) !== after.get(name)) stale.push(name);
  }
} finally {
  // Leave the committed files as they were, whatever generation did.
  rmSync(committed, { recursive: true, force: true });
  cpSync(join(scratch, "before"), committed, { recursive: true });
  rmSync(scratch, { recursive: true, force: true });
}
if (stale.length) {
  console.error(`src/generated is stale (${stale.join(", ")}): run npm run generate and commit it`);
  process.exit(1);
}
console.log("src/generated matches schema.graphql and openapi.json");
