import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedServer, startEmbeddedServer } from "../../examples/embedded-server.js";
import { MAX_WEBHOOK_BYTES } from "../../src/index.js";

let server: EmbeddedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Reads a server-sent-event response, calling `onEvent` for each event as it arrives. */
async function readEvents(
  response: Response,
  onEvent: (type: string, data: Record<string, unknown>) => Promise<void> | void,
) {
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const type = /^event: (.+)$/m.exec(block)?.[1] ?? "message";
      const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? "{}") as Record<string, unknown>;
      events.push({ type, data });
      await onEvent(type, data);
      end = buffer.indexOf("\n\n");
    }
  }
  return events;
}

/**
 * A POST without a Content-Length (chunked), sending `chunk` again and again until the server
 * answers or `max` bytes have gone out: what a client that streams an endless body does.
 */
function postChunked(
  url: string,
  headers: Record<string, string>,
  chunk: Buffer,
  max: number,
): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, { method: "POST", headers }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8"), sent }),
      );
      res.on("error", reject);
    });
    // The server may close the connection once it has answered: writes after that fail.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < max) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/**
 * A POST that declares `length` bytes and sends none: a server that trusts the declared length
 * answers at once, one that waits for the body never does.
 */
function postDeclaredOnly(
  url: string,
  headers: Record<string, string>,
  length: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { ...headers, "content-length": String(length) } });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer to a declared ${length}-byte body: the server waits to read it`));
    }, 10_000);
    req.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") });
        req.destroy();
      });
    });
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.flushHeaders();
  });
}

const json = { "x-user-id": "alice", "content-type": "application/json" };

describe("examples/embedded-server.ts", () => {
  it("streams a turn as SSE, resumes it from the emulator's webhook, and keeps threads per user", async () => {
    server = await startEmbeddedServer();
    const { url } = server;
    const response = await fetch(`${url}/threads/t-1/messages`, {
      method: "POST",
      headers: { "x-user-id": "alice", "content-type": "application/json" },
      body: JSON.stringify({ text: "show my unread email" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = await readEvents(response, async (type, data) => {
      if (type !== "authorization-required") return;
      const link = (data.requests as { url: string }[])[0]?.url ?? "";
      // fetch follows the consent page's redirect to /connect/verify with this header: alice's session.
      const consent = await fetch(link, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-user-id": "alice" },
        body: "decision=allow",
      });
      expect(consent.status).toBe(200);
    });
    const types = events.map((event) => event.type);
    expect(types).toContain("authorization-required");
    expect(types).toContain("authorization-completed");
    expect(types.at(-1)).toBe("turn-end");
    expect(String(events.at(-1)?.data.text)).toContain("Dana Whitfield");
    const scalekit = server.environment.sandbox?.scalekit;
    await scalekit?.flushWebhooks();
    expect(
      scalekit?.webhookDeliveries.some((d) => d.url.endsWith("/webhooks/scalekit") && d.status === 200),
    ).toBe(true);

    const thread = (await (
      await fetch(`${url}/threads/t-1`, { headers: { "x-user-id": "alice" } })
    ).json()) as {
      messages: { role: string }[];
    };
    expect(thread.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    // Threads are per user: mallory has no thread "t-1", whoever else does.
    const other = await fetch(`${url}/threads/t-1`, { headers: { "x-user-id": "mallory" } });
    expect(other.status).toBe(404);
    const forged = await fetch(`${url}/webhooks/scalekit`, {
      method: "POST",
      body: "{}",
      headers: { "webhook-id": "x" },
    });
    expect(forged.status).toBe(401);
  });

  it("answers malformed JSON and a non-string text with 400 and a JSON error", async () => {
    server = await startEmbeddedServer();
    const post = (body: string) =>
      fetch(`${server?.url}/threads/t-bad/messages`, { method: "POST", headers: json, body });

    const malformed = await post('{"text": "hi"');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("content-type")).toBe("application/json");
    expect(await malformed.json()).toEqual({
      error: { code: "INVALID_JSON", message: "The body is not valid JSON." },
    });

    const notAnObject = await post('["hi"]');
    expect(notAnObject.status).toBe(400);
    expect(((await notAnObject.json()) as { error: { code: string } }).error.code).toBe("INVALID_JSON");

    const numeric = await post(JSON.stringify({ text: 5 }));
    expect(numeric.status).toBe(400);
    expect(await numeric.json()).toEqual({
      error: { code: "INVALID_INPUT", message: 'The body must be {"text": "…"}.' },
    });
    // Nothing reached the runtime: the thread was never created.
    const thread = await fetch(`${server.url}/threads/t-bad`, { headers: { "x-user-id": "alice" } });
    expect(thread.status).toBe(404);
  });

  it("refuses a message over 64 KB with 413, by its declared length and while reading a chunked body", async () => {
    server = await startEmbeddedServer();
    const url = `${server.url}/threads/t-big/messages`;
    const large = await fetch(url, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ text: "a".repeat(70 * 1024) }),
    });
    expect(large.status).toBe(413);
    expect(await large.json()).toEqual({
      error: { code: "PAYLOAD_TOO_LARGE", message: "The request body is larger than 64 KB." },
    });

    // Refused by its declared length before a byte of it is read.
    const declared = await postDeclaredOnly(url, json, 70 * 1024);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });

    // No Content-Length: the server counts while reading and answers once past the limit.
    const chunked = await postChunked(url, json, Buffer.alloc(16 * 1024, "a"), 8 * 1024 * 1024);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    expect(chunked.sent).toBeLessThan(8 * 1024 * 1024);

    // A message just under the limit is read (and refused only for its shape).
    const under = await fetch(url, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ text: 5, padding: "a".repeat(60 * 1024) }),
    });
    expect(under.status).toBe(400);
    expect(((await under.json()) as { error: { code: string } }).error.code).toBe("INVALID_INPUT");
  });

  it("refuses a webhook over 1 MB with 413 and keeps serving", async () => {
    server = await startEmbeddedServer();
    const url = `${server.url}/webhooks/scalekit`;
    const large = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": "msg_big" },
      body: Buffer.alloc(2 * 1024 * 1024, "a"),
    });
    expect(large.status).toBe(413);
    expect(((await large.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");

    const declared = await postDeclaredOnly(url, { "content-type": "application/json" }, 2 * 1024 * 1024);
    expect(declared.status).toBe(413);

    const chunked = await postChunked(
      url,
      { "content-type": "application/json" },
      Buffer.alloc(64 * 1024, "a"),
      64 * 1024 * 1024,
    );
    expect(chunked.status).toBe(413);
    expect(chunked.sent).toBeLessThan(64 * 1024 * 1024);

    // The server still answers: an unsigned small webhook is refused for its signature.
    const next = await fetch(url, { method: "POST", body: "{}", headers: { "webhook-id": "x" } });
    expect(next.status).toBe(401);
  });

  it("runtime.handleWebhook refuses a body over MAX_WEBHOOK_BYTES with 413, before its signature", async () => {
    server = await startEmbeddedServer();
    const over = await server.runtime.handleWebhook({
      headers: { "webhook-id": "msg_big" },
      body: "a".repeat(MAX_WEBHOOK_BYTES + 1),
    });
    expect(over).toEqual({ status: 413, resumed: 0 });
    // Bytes, not characters: 2-byte characters past the limit in bytes, under it in length.
    const wide = await server.runtime.handleWebhook({
      headers: { "webhook-id": "msg_wide" },
      body: "é".repeat(MAX_WEBHOOK_BYTES / 2 + 1),
    });
    expect(wide).toEqual({ status: 413, resumed: 0 });
    // At the limit it is read, and refused for what it is: unsigned.
    const at = await server.runtime.handleWebhook({
      headers: { "webhook-id": "msg_at" },
      body: "a".repeat(MAX_WEBHOOK_BYTES),
    });
    expect(at).toEqual({ status: 401, resumed: 0 });
  });
});
