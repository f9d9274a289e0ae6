/**
 * A typed client for newsdesk. The GraphQL documents and their result types
 * are generated from `schema.graphql` (src/operations.graphql lists them),
 * the REST types from `openapi.json`; nothing here declares a type the
 * server's schemas do not.
 *
 * ```ts
 * const news = new Newsdesk({ baseUrl: "http://localhost:8080" });
 * const { article, mostRead } = await news.articlePage("some-slug");
 * ```
 */
import createRestClient, { type Client } from "openapi-fetch";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";

import { NewsdeskError, fromProblem, type Problem } from "./errors.js";
import { readEvents, type StreamEvent } from "./live.js";
import * as gql from "./generated/graphql/graphql.js";
import type { TypedDocumentString } from "./generated/graphql/graphql.js";
import type { components, paths } from "./generated/openapi.js";

export { NewsdeskError, type Problem } from "./errors.js";
export type { StreamEvent } from "./live.js";
export * as graphql from "./generated/graphql/graphql.js";
export type { components, paths, operations } from "./generated/openapi.js";

/** REST shapes, by their OpenAPI names. */
export type Schemas = components["schemas"];
export type ArticlePage = gql.ArticlePageQuery;
export type ArticleCard = gql.ArticleCardFragment;
export type MostReadEntry = gql.MostReadEntryFragment;
export type Page = gql.PageOfArticlesFragment;
export type TermKind = "tag" | "section" | "author";

export interface Options {
  /** The server's origin, e.g. `http://localhost:8080`; "" for the page's own. */
  baseUrl?: string;
  /** A partner key (`X-Api-Key`). */
  apiKey?: string;
  /** A staff token from `/auth/token` or `login`. */
  token?: string;
  fetch?: typeof fetch;
  /** A WebSocket class where there is no global one (Node.js 20: `ws`). */
  webSocketImpl?: unknown;
}

export interface PageArgs {
  first?: number;
  after?: string | null;
}

/** The feed URLs of the whole site or of one tag, section or author. */
export interface Feeds {
  rss: string;
  atom: string;
  json: string;
}

export class Newsdesk {
  /** Every REST route, typed from the OpenAPI document (openapi-fetch). */
  readonly rest: Client<paths>;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly fetcher: typeof fetch;
  private readonly webSocketImpl: unknown;
  private ws: WsClient | null = null;

  constructor(options: Options = {}) {
    this.baseUrl = (options.baseUrl ?? "").replace(/\/$/, "");
    this.headers = {};
    if (options.apiKey) this.headers["x-api-key"] = options.apiKey;
    if (options.token) this.headers.authorization = `Bearer ${options.token}`;
    this.fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.webSocketImpl = options.webSocketImpl;
    this.rest = createRestClient<paths>({ baseUrl: this.baseUrl, headers: this.headers, fetch: this.fetcher });
  }

  /** Runs any generated (or hand-written typed) GraphQL document. */
  async query<R, V>(document: TypedDocumentString<R, V>, variables?: V): Promise<R> {
    const res = await this.fetcher(`${this.baseUrl}/graphql`, {
      method: "POST",
      headers: { ...this.headers, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
    const body = (await res.json().catch(() => null)) as {
      data?: R;
      errors?: { message: string; extensions?: { code?: string } }[];
    } | null;
    const first = body?.errors?.[0];
    if (first) throw new NewsdeskError(first.message, res.status, first.extensions?.code ?? "UNKNOWN");
    if (!res.ok || !body?.data) throw new NewsdeskError(`GraphQL answered HTTP ${res.status}`, res.status, "HTTP");
    return body.data;
  }

  /** An article page in one round trip: the article, its JSON-LD, related picks with reasons, approved comments, and the most-read box. */
  articlePage(slug: string, counts: { related?: number; comments?: number; mostRead?: number } = {}) {
    return this.query(gql.ArticlePageDocument, { slug, ...counts });
  }

  /** The latest articles and the most-read box. */
  home(first = 40) {
    return this.query(gql.HomeDocument, { first });
  }

  /** Published articles, newest first, a page at a time: pass `pageInfo.endCursor` as `after`. */
  articles(page: PageArgs & { filter?: gql.ArticleFilterInput } = {}) {
    return this.query(gql.ArticlesDocument, page);
  }

  /** A tag, section or author with a page of its articles; null when there is none. */
  async term(kind: TermKind, slug: string, page: PageArgs = {}) {
    const vars = { slug, ...page };
    if (kind === "tag") return (await this.query(gql.TagPageDocument, vars)).tag;
    if (kind === "section") return (await this.query(gql.SectionPageDocument, vars)).section;
    return (await this.query(gql.AuthorPageDocument, vars)).author;
  }

  /** Full-text search, best first; `highlight` marks the matches with `<mark>`. */
  async search(query: string, page: PageArgs = {}) {
    return (await this.query(gql.SearchDocument, { query, ...page })).search;
  }

  async mostRead(window: "1h" | "24h" | "7d" = "24h", first = 5) {
    return (await this.query(gql.MostReadDocument, { window, first })).mostRead;
  }

  /** Related articles with their reasons (REST). */
  async related(slug: string, limit = 5): Promise<Schemas["RelatedArticle"][]> {
    const { data, error, response } = await this.rest.GET("/api/v1/articles/{slug}/related", {
      params: { path: { slug }, query: { limit } },
    });
    if (!data) throw fromProblem(response.status, error as Problem);
    return data.data;
  }

  /** Approved comments, oldest first, threaded by `parent_id` (REST). */
  async comments(slug: string): Promise<Schemas["CommentView"][]> {
    const { data, error, response } = await this.rest.GET("/api/v1/articles/{slug}/comments", {
      params: { path: { slug } },
    });
    if (!data) throw fromProblem(response.status, error as Problem);
    return data.data;
  }

  /** Posts a comment; it is `pending` until an editor approves it. */
  async submitComment(slug: string, input: gql.CommentSubmission) {
    return (await this.query(gql.SubmitCommentDocument, { slug, input })).submitComment;
  }

  /** Counts one page view; false when it did not count (bots, repeats). */
  async recordView(slug: string): Promise<boolean> {
    return (await this.query(gql.RecordViewDocument, { slug })).recordView;
  }

  /** Feed URLs, narrowed to one tag, section or author when given. */
  feeds(narrow: { tag?: string; section?: string; author?: string } = {}): Feeds {
    const query = new URLSearchParams(Object.entries(narrow).filter(([, v]) => v) as [string, string][]).toString();
    const at = (file: string) => `${this.baseUrl}/feeds/${file}${query ? `?${query}` : ""}`;
    return { rss: at("rss.xml"), atom: at("atom.xml"), json: at("feed.json") };
  }

  /**
   * Public events as they happen (`/api/v1/stream`), until `signal` aborts
   * or the server ends the stream. `lastEventId` resumes after an event.
   */
  async stream(
    onEvent: (e: StreamEvent) => void,
    options: { section?: string; tag?: string; lastEventId?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    const query = new URLSearchParams();
    if (options.section) query.set("section", options.section);
    if (options.tag) query.set("tag", options.tag);
    const headers: Record<string, string> = { ...this.headers, accept: "text/event-stream" };
    if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
    const res = await this.fetcher(`${this.baseUrl}/api/v1/stream?${query}`, { headers, signal: options.signal });
    if (!res.ok || !res.body) throw fromProblem(res.status, (await res.json().catch(() => undefined)) as Problem);
    try {
      await readEvents(res.body, onEvent);
    } catch (e) {
      if (!options.signal?.aborted) throw e;
    }
  }

  /**
   * The live most-read list (GraphQL subscription over `graphql-transport-ws`):
   * `onList` gets it now, then each time it changes. Returns the unsubscribe.
   */
  onMostRead(window: "1h" | "24h" | "7d", onList: (list: MostReadEntry[]) => void, onError?: (e: unknown) => void) {
    const ws = this.socket();
    return ws.subscribe<gql.MostReadChangedSubscription>(
      { query: gql.MostReadChangedDocument.toString(), variables: { window } },
      {
        next: (result) => {
          if (result.data) onList(result.data.mostReadChanged);
        },
        error: (e) => onError?.(e),
        complete: () => {},
      },
    );
  }

  /** Closes the WebSocket a subscription opened, if any. */
  async close(): Promise<void> {
    await this.ws?.dispose();
    this.ws = null;
  }

  private socket(): WsClient {
    if (this.ws) return this.ws;
    const origin = this.baseUrl || globalThis.location?.origin || "";
    const url = `${origin.replace(/^http/, "ws")}/graphql`;
    this.ws = createWsClient({
      url,
      webSocketImpl: this.webSocketImpl,
      connectionParams: this.headers.authorization ? { Authorization: this.headers.authorization } : undefined,
      retryAttempts: 10,
      lazy: true,
    });
    return this.ws;
  }
}
