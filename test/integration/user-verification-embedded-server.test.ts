/**
 * `examples/embedded-server.ts` with Scalekit user verification: a browser is shown
 * `/connect/start?flow=…`, which binds it to the flow (a cookie) and redirects to the magic link;
 * `GET /connect/verify` accepts the consent redirect only for the example's own session (its
 * `delegate_user` cookie or `x-user-id`) and, for a browser, only with that flow's binding; it
 * answers a forged, expired, replayed or foreign state, a forwarded redirect (login CSRF) and
 * another flow's binding with a refusal page and no resume.
 */
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedServer, startEmbeddedServer } from "../../examples/embedded-server.js";
import type { AgentRuntime } from "../../src/index.js";
import { CookieJar, openStart } from "../helpers/browser-binding.js";
import {
  consentRedirect,
  signPayload,
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

/** A browser signed in to the example as `userId` (its session cookie). */
function browserOf(url: string, userId: string): CookieJar {
  const jar = new CookieJar();
  jar.store(url, new Response(null, { headers: { "set-cookie": `delegate_user=${userId}; Path=/` } }));
  return jar;
}

/**
 * Posts a message from the browser `jar` (its session cookie) and reads its SSE stream in the
 * background; `next(type)` waits for an event.
 */
function chat(url: string, jar: CookieJar, threadId: string, text: string) {
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let cookie = "";
  const done = (async () => {
    const response = await fetch(`${url}/threads/${threadId}/messages`, {
      method: "POST",
      headers: { cookie: jar.header(url), "content-type": "application/json" },
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

async function page(url: URL | string, session: Record<string, string> | CookieJar = {}) {
  const headers = session instanceof CookieJar ? { cookie: session.header(url) } : session;
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
    const alice = browserOf(server.url, "alice");
    const turn = chat(server.url, alice, "t-v", "show my unread email");
    const required = await turn.next("authorization-required");
    // The example's stand-in session: an HttpOnly cookie, as a web app's login would set.
    expect(turn.cookie()).toBe("delegate_user=alice");
    // The browser is shown the start URL, not the magic link.
    const link = (required.data.requests as { url: string }[])[0]?.url ?? "";
    expect(link).toMatch(new RegExp(`^${server.url}/connect/start\\?flow=[\\w-]{22}$`));
    const { status, magicLink } = await openStart(alice, link);
    expect(status).toBe(302);
    expect(magicLink).toMatch(/\/magicLink\//);
    expect(alice.names()).toEqual(["delegate_user", expect.stringMatching(/^delegate_flow_/)]);
    const redirect = await consentRedirect(magicLink);
    expect(`${redirect.location.origin}${redirect.location.pathname}`).toBe(`${server.url}/connect/verify`);
    expect(statePayload(redirect.state)).toMatchObject({ u: "alice", c: "gmail" });

    expect(await page(redirect.location, alice)).toEqual({
      status: 200,
      heading: "Connected",
      text: "Gmail connected — you can close this tab and go back to the chat.",
    });
    await turn.next("turn-end");
    await turn.done;
    expect(turn.events.map((event) => event.type)).toContain("authorization-completed");
    expect(String(turn.events.at(-1)?.data.text)).toContain("Dana Whitfield");
    expect((await page(redirect.location, alice)).status).toBe(409);
  });

  it("another user's session, no session, a forged, expired or replayed state: a refusal page, and the thread keeps waiting", async () => {
    server = await startEmbeddedServer({ verificationSecret: TEST_VERIFY_SECRET });
    const { url } = server;
    const sandbox = server.environment.sandbox;
    const alice = browserOf(url, "alice");
    const turn = chat(url, alice, "t-bound", "show my unread email");
    const required = await turn.next("authorization-required");
    const link = (required.data.requests as { url: string }[])[0]?.url ?? "";
    // The start link forwarded to mallory leads her nowhere: it is alice's.
    expect(await page(link, browserOf(url, "mallory"))).toMatchObject({
      status: 403,
      heading: "Not connected",
    });
    const { magicLink } = await openStart(alice, link);
    // The magic link got out anyway; mallory completed it (with her own account, in reality).
    const redirect = await consentRedirect(magicLink);
    const at = (state: string) => {
      const target = new URL(redirect.location);
      target.searchParams.set("state", state);
      return target;
    };

    // Login CSRF: mallory sends the redirect to alice, who clicks it in her browser. Its Lax
    // session cookie goes along on a cross-site click, but it never opened this flow's start
    // URL (another browser, or a private window): refused, and the state is not spent.
    const csrf = await page(redirect.location, browserOf(url, "alice"));
    expect(csrf).toEqual({
      status: 403,
      heading: "Not connected",
      text: "This browser did not start this connection. Open the link from the app that asked for it, in this browser, and allow access there.",
    });
    expect(sandbox?.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");
    // A browser whose binding is another flow's (alice's Slack start) is refused too, unspent.
    const slackBrowser = browserOf(url, "alice");
    const slack = chat(url, slackBrowser, "t-slack", "post 'deploy is done' to #team on Slack");
    // That turn waits on; its stream ends when the server closes.
    slack.done.catch(() => {});
    const slackLink =
      ((await slack.next("authorization-required")).data.requests as { url: string }[])[0]?.url ?? "";
    expect((await openStart(slackBrowser, slackLink)).status).toBe(302);
    const wrong = await page(redirect.location, slackBrowser);
    expect(wrong).toMatchObject({ status: 403 });
    expect(wrong.text).toContain("another account than the one this browser was connecting");
    // Mallory's own session, and a browser with no session at all.
    const mallory = await page(redirect.location, browserOf(url, "mallory"));
    expect(mallory).toMatchObject({ status: 403, heading: "Not connected" });
    expect(await page(redirect.location)).toMatchObject({ status: 401, heading: "Not connected" });
    // An API client names its user by header (no ambient credential): the state decides.
    const byHeader = await page(at(tamperedState(redirect.state, { u: "mallory" })), {
      "x-user-id": "mallory",
    });
    expect(byHeader.text).toContain("not one Delegate made");
    // Forged and expired states, in alice's bound browser.
    const forged = await page(at(tamperedState(redirect.state, { u: "mallory" })), alice);
    expect(forged).toMatchObject({ status: 403 });
    expect(forged.text).toContain("not one Delegate made");
    // This very link's state, validly signed but past its expiry (another link's the binding refuses).
    const expired = signPayload(TEST_VERIFY_SECRET, {
      ...statePayload(redirect.state),
      e: Date.now() - 3600_000,
    });
    expect((await page(at(expired), alice)).text).toContain("has expired");

    expect(sandbox?.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");
    const thread = (await (
      await fetch(`${url}/threads/t-bound`, { headers: { cookie: alice.header(url) } })
    ).json()) as {
      pendingAuthorization?: { connections: string[]; requests: { url: string }[] };
    };
    expect(thread.pendingAuthorization?.connections).toEqual(["gmail"]);
    // The browser reads its pending link as the same start URL.
    expect(thread.pendingAuthorization?.requests[0]?.url).toBe(link);
    expect(turn.events.map((event) => event.type)).not.toContain("authorization-completed");

    // The right session still can: the refusals spent nothing.
    expect((await page(redirect.location, alice)).status).toBe(200);
    await turn.next("turn-end");
    // …and only once.
    expect((await page(redirect.location, alice)).text).toContain("already used");
    await turn.done;
    expect(turn.events.filter((event) => event.type === "tool-result")).toHaveLength(1);
  });

  it("Scalekit failing while verifying: a plain page says what to do, no internal detail; a reload verifies", async () => {
    server = await startEmbeddedServer({ verificationSecret: TEST_VERIFY_SECRET });
    const { url } = server;
    const sandbox = server.environment.sandbox;
    const alice = browserOf(url, "alice");
    const turn = chat(url, alice, "t-down", "show my unread email");
    const link =
      ((await turn.next("authorization-required")).data.requests as { url: string }[])[0]?.url ?? "";
    const redirect = await consentRedirect((await openStart(alice, link)).magicLink);
    // A failure the SDK does not retry, with words of its own that must stay out of the page.
    sandbox?.scalekit.failNext("VerifyConnectedAccountUser", 1, Code.Internal, "db shard 7 exploded");
    const response = await fetch(redirect.location, { headers: { cookie: alice.header(redirect.location) } });
    const html = await response.text();
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(/<p>(.*?)<\/p>/.exec(html)?.[1]?.replaceAll("&#39;", "'")).toBe(
      "Something went wrong on our side while finishing the connection, so nothing was connected. Reload this page in a minute to try again; if it keeps failing, go back to the chat and ask for a new link.",
    );
    for (const internal of [
      "Scalekit",
      "gRPC",
      "Internal",
      "exploded",
      sandbox?.settings.environmentUrl ?? "?",
    ]) {
      expect(html).not.toContain(internal);
    }
    expect(sandbox?.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");
    // Nothing was spent, and the binding is free again: the reload the page suggests verifies.
    expect((await page(redirect.location, alice)).status).toBe(200);
    await turn.next("turn-end");
    await turn.done;
  });

  it("two concurrent redirects with one browser binding: only one reaches the runtime", async () => {
    server = await startEmbeddedServer({ verificationSecret: TEST_VERIFY_SECRET });
    const { url, runtime } = server;
    const alice = browserOf(url, "alice");
    const turn = chat(url, alice, "t-race", "show my unread email");
    const link =
      ((await turn.next("authorization-required")).data.requests as { url: string }[])[0]?.url ?? "";
    const { magicLink } = await openStart(alice, link);
    const redirect = await consentRedirect(magicLink);
    // The real verifyUser, counted, held until released.
    const real = runtime.verifyUser.bind(runtime);
    const calls: string[] = [];
    const entered: (() => void)[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    (runtime as { verifyUser: AgentRuntime["verifyUser"] }).verifyUser = async (input) => {
      calls.push(input.state);
      for (const wake of entered.splice(0)) wake();
      await gate;
      return real(input);
    };
    const nextCall = () => new Promise<void>((resolve) => entered.push(resolve));

    const firstEntered = nextCall();
    const first = page(redirect.location, alice);
    await Promise.race([
      firstEntered,
      first.then((answer) => {
        throw new Error(`answered ${answer.status} without asking the runtime`);
      }),
    ]);
    // The same redirect in a second tab of the same browser, meanwhile.
    const second = await Promise.race([
      page(redirect.location, alice).then((answer) => answer.status),
      nextCall().then(() => "reached the runtime"),
    ]);
    expect(second).toBe(409);
    release();
    expect((await first).status).toBe(200);
    expect(calls).toEqual([redirect.state]);
    await turn.next("turn-end");
    await turn.done;
  });

  it("a browser finishes only the link it opened: another of the user's links for the same connection is refused unspent", async () => {
    server = await startEmbeddedServer({ verificationSecret: TEST_VERIFY_SECRET });
    const { url } = server;
    const sandbox = server.environment.sandbox;
    const first = chat(url, browserOf(url, "alice"), "t-one", "show my unread email");
    first.done.catch(() => {});
    const linkOne =
      ((await first.next("authorization-required")).data.requests as { url: string }[])[0]?.url ?? "";
    const second = chat(url, browserOf(url, "alice"), "t-two", "show my unread email");
    const linkTwo = (
      (await second.next("authorization-required")).data.requests as { url: string; stateNonce?: string }[]
    )[0];
    // Each shown link names its state's nonce (never the state).
    expect(linkTwo?.stateNonce).toMatch(/^[\w-]{16,}$/);
    // Alice's browser opened the first thread's link; the second's got out and someone completed
    // it (with their own account, in reality), then sent its redirect to her browser to click.
    const alice = browserOf(url, "alice");
    await openStart(alice, linkOne);
    const elsewhere = browserOf(url, "alice");
    const redirectTwo = await consentRedirect((await openStart(elsewhere, linkTwo?.url ?? "")).magicLink);
    expect(await page(redirectTwo.location, alice)).toEqual({
      status: 403,
      heading: "Not connected",
      text: "This verification belongs to another link than the one this browser opened, so nothing was connected. Open the newest link from the app in this browser and allow access there.",
    });
    expect(sandbox?.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");
    expect(second.events.map((event) => event.type)).not.toContain("authorization-completed");
    // Unspent: the browser that opened the second link finishes it.
    expect((await page(redirectTwo.location, elsewhere)).status).toBe(200);
    await second.next("turn-end");
    await second.done;
  });

  it("bindings are capped per user and in all (the oldest go), and live no longer than their flow", async () => {
    server = await startEmbeddedServer({
      verificationSecret: TEST_VERIFY_SECRET,
      bindingLimits: { perUser: 2, total: 3 },
    });
    const { url } = server;
    // Three flows of alice's (three threads), each start URL opened in its own tab (a browser
    // here): a start URL binds one browser, so each tab has its own.
    const chats = ["t-cap-a1", "t-cap-a2", "t-cap-a3"].map((threadId) =>
      chat(url, browserOf(url, "alice"), threadId, "show my unread email"),
    );
    const tabs = [browserOf(url, "alice"), browserOf(url, "alice"), browserOf(url, "alice")];
    let magicLink = "";
    for (const [index, tab] of tabs.entries()) {
      const request = (
        (await (chats[index] as (typeof chats)[number]).next("authorization-required")).data.requests as {
          url: string;
          expiresAt: string;
        }[]
      )[0];
      const link = request?.url ?? "";
      const response = await fetch(link, { redirect: "manual", headers: { cookie: tab.header(link) } });
      tab.store(link, response);
      await response.body?.cancel();
      magicLink = response.headers.get("location") ?? "";
      const maxAge = Number(/Max-Age=(\d+)/.exec(response.headers.getSetCookie()[0] ?? "")?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge * 1000).toBeLessThanOrEqual(
        Math.min(15 * 60_000, new Date(request?.expiresAt ?? 0).getTime() - Date.now() + 1000),
      );
    }
    const redirect = await consentRedirect(magicLink);
    const over =
      "This connection attempt is over (it took too long, or a newer one replaced it), so nothing was connected. Ask again from the app for a fresh link.";
    // Alice's third click dropped her first binding (two per user): that tab's flow is over.
    expect(await page(redirect.location, tabs[0] as CookieJar)).toMatchObject({
      status: 410,
      text: over,
    });
    // Bob's two clicks make four in all: the oldest of all (alice's second tab) goes too.
    for (const threadId of ["t-cap-b1", "t-cap-b2"]) {
      const bob = chat(url, browserOf(url, "bob"), threadId, "show my unread email");
      bob.done.catch(() => {});
      const bobLink =
        ((await bob.next("authorization-required")).data.requests as { url: string }[])[0]?.url ?? "";
      expect((await openStart(browserOf(url, "bob"), bobLink)).status).toBe(302);
    }
    expect(await page(redirect.location, tabs[1] as CookieJar)).toMatchObject({
      status: 410,
      text: over,
    });
    expect((await page(redirect.location, tabs[2] as CookieJar)).status).toBe(200);
    const [first, second, third] = chats;
    for (const waiting of [first, second]) waiting?.done.catch(() => {});
    await third?.next("turn-end");
    await third?.done;
  });
});
