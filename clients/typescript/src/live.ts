/** One server-sent event of `/api/v1/stream`. */
export interface StreamEvent {
  /** `article.published`, `article.updated`, ... or `overflow` / `shutdown`. */
  event: string;
  /** The event's id: pass it as `lastEventId` to resume after it. */
  id: string | null;
  /** The payload, parsed (the event as webhooks get it). */
  data: unknown;
}

/**
 * Reads a `text/event-stream` body into events. Written on `fetch` rather
 * than `EventSource` so that it runs in Node.js 20 as in browsers, and so
 * that it can send `Last-Event-ID` and an API key, which `EventSource`
 * cannot.
 */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (e: StreamEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = blockEnd(buffer)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^(\r?\n){2}/, "");
      const event = parseBlock(block);
      if (event) onEvent(event);
    }
  }
}

function blockEnd(buffer: string): number {
  const match = /\r?\n\r?\n/.exec(buffer);
  return match ? match.index : -1;
}

function parseBlock(block: string): StreamEvent | null {
  let event = "message";
  let id: string | null = null;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(":")) continue; // a comment: keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0 && event === "message") return null;
  const text = data.join("\n");
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: handed over as text.
  }
  return { event, id, data: parsed };
}
