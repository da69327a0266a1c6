import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedServer, startEmbeddedServer } from "../../examples/embedded-server.js";

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
});
