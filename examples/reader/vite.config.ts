import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The site calls the API on its own origin. In development Vite forwards
// the API's paths to the server (NEWSDESK_URL, default the `serve`
// default); built, the files are served by `newsdesk serve --site dist`,
// or by any host that forwards the same paths.
const api = process.env.NEWSDESK_URL ?? "http://127.0.0.1:8080";
const forward = { target: api, changeOrigin: false };

export default defineConfig({
  // The client's TypeScript source, so that the site builds without
  // building the client first (it is the workspace's own package).
  resolve: {
    alias: {
      "@newsdesk/client": fileURLToPath(new URL("../../clients/typescript/src/index.ts", import.meta.url)),
    },
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    proxy: {
      "/api": forward,
      "/feeds": forward,
      "/docs": forward,
      "/openapi.json": forward,
      "/graphql": { ...forward, ws: true },
    },
  },
  build: {
    target: "es2022",
    sourcemap: false,
  },
});
