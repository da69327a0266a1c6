/**
 * `examples/embedded-server.ts` with Scalekit user verification: `GET /connect/verify` accepts the
 * consent redirect only for the example's own session (its `delegate_user` cookie or `x-user-id`),
 * and answers a forged, expired, replayed or foreign state with a refusal page and no resume.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedServer, startEmbeddedServer } from "../../examples/embedded-server.js";
import { VerificationStateSigner } from "../../src/auth/verification-state.js";
import {
  consentRedirect,
  statePayload,
  TEST_VERIFY_SECRET,
  tamperedState,
} from "../helpers/user-verification.js";

let server: EmbeddedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface SseEvent {
  type: string;
  data: Record<string, unknown>;
}

/** Posts a message and reads its SSE stream in the background; `next(type)` waits for an event. */
function chat(url: string, userId: string, threadId: string, text: string) {
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let cookie = "";
  const done = (async () => {
    const response = await fetch(`${url}/threads/${threadId}/messages`, {
      method: "POST",
      headers: { "x-user-id": userId, "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        events.push({
          type: /^event: (.+)$/m.exec(block)?.[1] ?? "message",
          data: JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? "{}") as Record<string, unknown>,
        });
        for (const wake of [...waiters]) wake();
      }
    }
  })();
  const next = async (type: string): Promise<SseEvent> => {
    for (;;) {
      const found = events.find((event) => event.type === type);
      if (found) return found;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${type} event: ${JSON.stringify(events)}`)),
          15_000,
        );
        waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  return { events, next, done, cookie: () => cookie };
}

async function page(url: URL | string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const html = await response.text();
  return {
    status: response.status,
    heading: /<h1>(.*?)<\/h1>/.exec(html)?.[1] ?? "",
    text: (/<p>(.*?)<\/p>/.exec(html)?.[1] ?? "").replaceAll("&#39;", "'"),
  };
}

describe("examples/embedded-server.ts: GET /connect/verify", () => {
  it("the browser with the chat's session cookie verifies, the stream goes on; a replay is refused", async () => {
    server = await startEmbeddedServer({ verificationSecret: TEST_VERIFY_SECRET });
    const turn = chat(server.url, "alice", "t-v", "show my unread email");
    const required = await turn.next("authorization-required");
    // The example's stand-in session: an HttpOnly cookie, as a web app's login would set.
    expect(turn.cookie()).toBe("delegate_user=alice");
    const link = (required.data.requests as { url: string }[])[0]?.url ?? "";
    const redirect = await consentRedirect(link);
    expect(`${redirect.location.origin}${redirect.location.pathname}`).toBe(`${server.url}/connect/verify`);
    expect(statePayload(redirect.state)).toMatchObject({ u: "alice", c: "gmail" });

    expect(await page(redirect.location, { cookie: turn.cookie() })).toEqual({
      status: 200,
      heading: "Connected",
      text: "Gmail connected — you can close this tab and go back to the chat.",
    });
    await turn.next("turn-end");
    await turn.done;
    expect(turn.events.map((event) => event.type)).toContain("authorization-completed");
    expect(String(turn.events.at(-1)?.data.text)).toContain("Dana Whitfield");
    expect((await page(redirect.location, { cookie: turn.cookie() })).status).toBe(409);
  });

  it("another user's session, no session, a forged, expired or replayed state: a refusal page, and the thread keeps waiting", async () => {
    server = await startEmbeddedServer({ verificationSecret: TEST_VERIFY_SECRET });
    const { url } = server;
    const sandbox = server.environment.sandbox;
    const turn = chat(url, "alice", "t-bound", "show my unread email");
    const required = await turn.next("authorization-required");
    const link = (required.data.requests as { url: string }[])[0]?.url ?? "";
    const redirect = await consentRedirect(link);
    const at = (state: string) => {
      const target = new URL(redirect.location);
      target.searchParams.set("state", state);
      return target;
    };

    // The link was forwarded: mallory (signed in as herself) completed it.
    const mallory = await page(redirect.location, { cookie: "delegate_user=mallory" });
    expect(mallory).toMatchObject({ status: 403, heading: "Not connected" });
    expect(mallory.text).toContain("started for another user");
    // A browser with no session at all.
    expect(await page(redirect.location)).toMatchObject({ status: 401, heading: "Not connected" });
    // Forged and expired states.
    const forged = await page(at(tamperedState(redirect.state, { u: "mallory" })), {
      cookie: "delegate_user=mallory",
    });
    expect(forged).toMatchObject({ status: 403 });
    expect(forged.text).toContain("not one Delegate made");
    const expired = new VerificationStateSigner(TEST_VERIFY_SECRET, {
      now: () => Date.now() - 2 * 3600_000,
    }).sign({
      identity: { userId: "alice" },
      connection: "gmail",
    }).state;
    expect((await page(at(expired), { cookie: "delegate_user=alice" })).text).toContain("has expired");

    expect(sandbox?.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");
    const thread = (await (
      await fetch(`${url}/threads/t-bound`, { headers: { "x-user-id": "alice" } })
    ).json()) as {
      pendingAuthorization?: { connections: string[] };
    };
    expect(thread.pendingAuthorization?.connections).toEqual(["gmail"]);
    expect(turn.events.map((event) => event.type)).not.toContain("authorization-completed");

    // The right session still can: the refusals spent nothing.
    expect((await page(redirect.location, { cookie: "delegate_user=alice" })).status).toBe(200);
    await turn.next("turn-end");
    // …and only once.
    expect((await page(redirect.location, { cookie: "delegate_user=alice" })).text).toContain("already used");
    await turn.done;
    expect(turn.events.filter((event) => event.type === "tool-result")).toHaveLength(1);
  });
});
