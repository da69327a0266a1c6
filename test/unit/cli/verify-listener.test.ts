/**
 * The REPL's loopback listener binds the verify step to the browser that started the flow: a
 * start URL sets a per-flow HttpOnly cookie and redirects to the magic link; the verify URL is
 * accepted only with a live binding for the state's connection, and without one nothing is asked
 * of the runtime (the state is not spent).
 */
import { Code } from "@connectrpc/connect";
import { decodeHTML } from "entities";
import { afterEach, describe, expect, it } from "vitest";
import { VerificationStateSigner } from "../../../src/auth/verification-state.js";
import { VerifyListener } from "../../../src/cli/chat/verify-listener.js";
import type { Identity, VerifyUserResult } from "../../../src/index.js";
import { CookieJar, openStart } from "../../helpers/browser-binding.js";
import { collect, ofType, startSandboxRuntime } from "../../helpers/sandbox-runtime.js";
import { consentRedirect, TEST_VERIFY_SECRET } from "../../helpers/user-verification.js";

const signer = new VerificationStateSigner(TEST_VERIFY_SECRET);
const state = (connection: string, userId = "alma") =>
  signer.sign({ identity: { userId }, connection, audience: "test-audience" }).state;
const inAnHour = new Date(Date.now() + 3600_000);

/** The state each magic link (by path) carries, signed once: a link shown again is the same link. */
const linkStates = new Map<string, { state: string; nonce: string }>();
function linkState(path: string, connection = "gmail"): { state: string; nonce: string } {
  let signed = linkStates.get(path);
  if (!signed) {
    const made = signer.sign({ identity: { userId: "alma" }, connection, audience: "test-audience" });
    signed = { state: made.state, nonce: made.claims.nonce };
    linkStates.set(path, signed);
  }
  return signed;
}

/**
 * The start URL the REPL shows for a magic link (`…/magicLink/<path>`) of `connection`, with the
 * nonce of the state that link carries (`linkState(path).state` is what its redirect brings back).
 */
function startUrlFor(
  l: VerifyListener,
  connection: string,
  { path = connection.charAt(0), expiresAt = inAnHour }: { path?: string; expiresAt?: Date } = {},
): string {
  return l.startUrl({
    url: `https://scalekit.example/magicLink/${path}`,
    connection,
    expiresAt,
    stateNonce: linkState(path, connection).nonce,
  });
}

let listener: VerifyListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

async function start() {
  const calls: { input: { authRequestId: string; state: string; connection: string }; identity: Identity }[] =
    [];
  const used = new Set<string>();
  listener = new VerifyListener({
    verify: async (input, identity): Promise<VerifyUserResult> => {
      calls.push({ input, identity });
      if (used.has(input.state)) return { status: "refused", reason: "replayed", message: "already used" };
      used.add(input.state);
      const connection = signer.open(input.state);
      if (connection.ok && connection.claims.connection !== input.connection)
        return { status: "refused", reason: "wrong_connection", message: "other account" };
      return {
        status: "verified",
        connection: input.connection,
        displayName: input.connection,
        resumed: true,
      };
    },
  });
  listener.identity = { userId: "alma" };
  const verifyUrl = await listener.url();
  const verify = async (jar: CookieJar | undefined, stateValue: string) => {
    const url = new URL(verifyUrl);
    url.searchParams.set("auth_request_id", "req_1");
    url.searchParams.set("state", stateValue);
    const cookie = jar?.header(url) ?? "";
    const response = await fetch(url, { headers: cookie ? { cookie } : {} });
    const html = await response.text();
    return {
      status: response.status,
      text: /<p>([\s\S]*?)<\/p>/.exec(html)?.[1]?.replaceAll("&#39;", "'") ?? "",
    };
  };
  return { listener, verifyUrl, calls, verify };
}

describe("the REPL's verify listener: start URLs bind the browser", () => {
  it("a start URL sets a short-lived HttpOnly SameSite=Lax cookie for its flow and redirects to the magic link", async () => {
    const { listener, verifyUrl } = await start();
    const link = startUrlFor(listener, "gmail", { path: "abc" });
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/start\/[\w-]{22}$/);
    // The same magic link shown again is the same start URL.
    expect(startUrlFor(listener, "gmail", { path: "abc" })).toBe(link);
    const response = await fetch(link, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://scalekit.example/magicLink/abc");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const cookie = response.headers.getSetCookie()[0] ?? "";
    const prefix = new URL(verifyUrl).pathname.replace(/\/verify$/, "");
    expect(cookie).toMatch(
      new RegExp(
        `^delegate_flow_[\\w-]{22}=[\\w-]{43}; Path=${prefix}/; Max-Age=(\\d+); HttpOnly; SameSite=Lax$`,
      ),
    );
    expect(Number(/Max-Age=(\d+)/.exec(cookie)?.[1])).toBeLessThanOrEqual(15 * 60);
    // Each click is its own binding.
    const again = await fetch(link, { redirect: "manual" });
    expect(again.headers.getSetCookie()[0]?.split(";")[0]).not.toBe(cookie.split(";")[0]);
    // An unknown start, or another path: nothing.
    expect(
      (await fetch(link.replace(/start\/[\w-]+$/, "start/AAAAAAAAAAAAAAAAAAAAAA"), { redirect: "manual" }))
        .status,
    ).toBe(410);
    expect((await fetch(link.replace(/\/[\w-]{32}\//, "/guess/"), { redirect: "manual" })).status).toBe(404);
  });

  it("the verify URL without the browser's binding (a forwarded redirect) is refused and the runtime is not asked", async () => {
    const { verify, calls } = await start();
    const refused = await verify(undefined, state("gmail"));
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("Open the link from the terminal that asked for it");
    // A made-up cookie is no binding either (read as a flow that is over: nothing to resume).
    const made = new CookieJar();
    made.store(
      "http://127.0.0.1/",
      new Response(null, { headers: { "set-cookie": "delegate_flow_x=forged; Path=/" } }),
    );
    const forged = await verify(made, state("gmail"));
    expect(forged.status).toBe(410);
    expect(forged.text).toContain("Ask again from the terminal");
    expect(calls).toEqual([]);
  });

  it("a cookie from another flow's start is refused unspent; the flow's own browser verifies once", async () => {
    const { listener, verify, calls } = await start();
    const slack = new CookieJar();
    await openStart(slack, startUrlFor(listener, "slack"));
    const gmail = new CookieJar();
    const opened = await openStart(gmail, startUrlFor(listener, "gmail"));
    expect(opened).toEqual({ status: 302, magicLink: "https://scalekit.example/magicLink/g" });

    const gmailState = linkState("g").state;
    const wrong = await verify(slack, gmailState);
    expect(wrong.status).toBe(403);
    expect(wrong.text).toContain("another account than the one this browser was connecting");
    expect(calls).toEqual([]);

    expect(await verify(gmail, gmailState)).toEqual({
      status: 200,
      text: "gmail connected — you can go back to the terminal.",
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.input.connection).toBe("gmail");
    expect(calls[0]?.identity).toEqual({ userId: "alma" });
    // A reload: told it was used, and nothing is asked again.
    expect(await verify(gmail, gmailState)).toMatchObject({ status: 409 });
    expect(calls).toHaveLength(1);
  });

  it("a binding is for the user the REPL acted for when it was made; after /user it verifies nothing", async () => {
    const { listener, verify, calls } = await start();
    const jar = new CookieJar();
    await openStart(jar, startUrlFor(listener, "gmail"));
    listener.identity = { userId: "bob" };
    expect((await verify(jar, state("gmail", "bob"))).status).toBe(403);
    expect(calls).toEqual([]);
  });

  it("a start URL binds only for the user it was shown to: after /user it is refused, no cookie set", async () => {
    const { listener, verify, calls } = await start();
    const link = startUrlFor(listener, "gmail");
    listener.identity = { userId: "bob" };
    const bob = new CookieJar();
    const response = await fetch(link, { redirect: "manual" });
    bob.store(link, response);
    const html = await response.text();
    expect(response.status).toBe(409);
    expect(response.headers.get("location")).toBeNull();
    expect(bob.names()).toEqual([]);
    expect(html).toContain("This link was made for user alma, and Delegate acts for user bob now.");
    expect((await verify(bob, state("gmail", "bob"))).status).toBe(403);
    // Back as alma, the same link binds her browser.
    listener.identity = { userId: "alma" };
    const alma = new CookieJar();
    expect(await openStart(alma, link)).toEqual({
      status: 302,
      magicLink: "https://scalekit.example/magicLink/g",
    });
    expect((await verify(alma, linkState("g").state)).status).toBe(200);
    expect(calls.map((call) => call.identity)).toEqual([{ userId: "alma" }]);
  });

  it("two concurrent redirects with one binding: only one reaches the runtime; a refused one frees the binding", async () => {
    const entered: (() => void)[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const calls: string[] = [];
    listener = new VerifyListener({
      verify: async (input): Promise<VerifyUserResult> => {
        calls.push(input.state);
        for (const wake of entered.splice(0)) wake();
        if (input.state === "wrong") return { status: "refused", reason: "forged", message: "not ours" };
        await gate;
        return { status: "verified", connection: input.connection, displayName: "Gmail", resumed: true };
      },
    });
    listener.identity = { userId: "alma" };
    const verifyUrl = await listener.url();
    const jar = new CookieJar();
    await openStart(jar, startUrlFor(listener, "gmail"));
    const at = (stateValue: string) => {
      const url = new URL(verifyUrl);
      url.searchParams.set("auth_request_id", "req_1");
      url.searchParams.set("state", stateValue);
      return url;
    };
    const get = (stateValue: string) => fetch(at(stateValue), { headers: { cookie: jar.header(verifyUrl) } });
    const nextCall = () => new Promise<void>((resolve) => entered.push(resolve));

    // A refused verification gives the binding back: the right state may follow.
    expect((await get("wrong")).status).toBe(403);
    expect(calls).toEqual(["wrong"]);

    const firstEntered = nextCall();
    const first = get(linkState("g").state);
    await Promise.race([
      firstEntered,
      first.then((response) => {
        throw new Error(`answered ${response.status} without asking the runtime`);
      }),
    ]);
    // The first waits on the runtime; the same redirect in a second tab, same binding, meanwhile.
    const second = await Promise.race([
      get(linkState("g").state).then((response) => response.status),
      nextCall().then(() => "reached the runtime"),
    ]);
    expect(second).toBe(409);
    release();
    expect((await first).status).toBe(200);
    expect(calls).toHaveLength(2);
    expect((await get(linkState("g").state)).status).toBe(409);
    expect(calls).toHaveLength(2);
  });

  it("a binding finishes only the link its browser opened: another state of the same user and connection is refused unspent", async () => {
    const { listener, verify, calls } = await start();
    const jar = new CookieJar();
    await openStart(jar, startUrlFor(listener, "gmail", { path: "mine" }));
    // Another of alma's Gmail links (shown elsewhere, completed by someone else), its redirect
    // sent to alma's browser: the same user and connection, another state.
    startUrlFor(listener, "gmail", { path: "theirs" });
    expect(await verify(jar, linkState("theirs").state)).toEqual({
      status: 403,
      text: "This verification belongs to another link than the one this browser opened, so nothing was connected. Open the newest link from the terminal in this browser and allow access there.",
    });
    expect(await verify(jar, state("gmail"))).toMatchObject({ status: 403 });
    expect(calls).toEqual([]);
    expect((await verify(jar, linkState("mine").state)).status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it("an expired binding verifies nothing, and the page says to ask again", async () => {
    let now = Date.now();
    listener = new VerifyListener({
      verify: async () => ({ status: "verified", connection: "gmail", displayName: "Gmail", resumed: false }),
      now: () => now,
    });
    listener.identity = { userId: "alma" };
    const verifyUrl = await listener.url();
    const jar = new CookieJar();
    await openStart(jar, startUrlFor(listener, "gmail", { expiresAt: new Date(now + 60_000) }));
    now += 16 * 60_000;
    const url = new URL(verifyUrl);
    url.searchParams.set("auth_request_id", "req_1");
    url.searchParams.set("state", state("gmail"));
    const response = await fetch(url, { headers: { cookie: jar.header(url) } });
    expect(response.status).toBe(410);
    expect(await response.text()).toContain("connection attempt is over");
  });
});

describe("the REPL's verify listener with the real runtime and emulator", () => {
  it("Scalekit failing while verifying: a plain page says what to do, the detail goes to the log, and a reload verifies", async () => {
    const logged: string[] = [];
    const log = (fields: unknown, message?: string) => logged.push(`${message} ${JSON.stringify(fields)}`);
    const verifier = new VerifyListener({
      verify: (input, identity) => env.runtime.verifyUser({ ...input, ...identity }),
      logger: { debug: log, info: log, warn: log, error: log },
    });
    listener = verifier;
    verifier.identity = { userId: "alma" };
    const env = await startSandboxRuntime(
      {
        verification: { url: () => verifier.url(), secret: TEST_VERIFY_SECRET },
        poll: { initialIntervalMs: 60_000, maxIntervalMs: 60_000 },
      },
      {},
      { webhooks: false },
    );
    try {
      const events = await collect(
        env.runtime.send({
          userId: "alma",
          threadId: "t-down",
          text: "show my unread email",
          waitForAuthorization: false,
        }),
      );
      const request = ofType(events, "authorization-required")[0]?.requests[0];
      if (!request) throw new Error(`no link: ${JSON.stringify(events)}`);
      const jar = new CookieJar();
      const { magicLink } = await openStart(jar, verifier.startUrl(request));
      const redirect = await consentRedirect(magicLink);
      // A failure the SDK does not retry, with words of its own that must stay out of the page.
      env.sandbox.scalekit.failNext("VerifyConnectedAccountUser", 1, Code.Internal, "db shard 7 exploded");
      const visit = () => fetch(redirect.location, { headers: { cookie: jar.header(redirect.location) } });
      const failed = await visit();
      const html = await failed.text();
      expect(failed.status).toBe(502);
      expect(decodeHTML(/<p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? "")).toBe(
        "Something went wrong on Delegate's side while finishing the connection, so nothing was connected. Reload this page in a minute to try again; if it keeps failing, go back to the terminal and ask for a new link with /connect.",
      );
      for (const internal of [
        "Scalekit",
        "gRPC",
        "Internal",
        "exploded",
        env.sandbox.settings.environmentUrl,
      ]) {
        expect(html).not.toContain(internal);
      }
      // The detail is in the log.
      expect(
        logged.some((line) => line.startsWith("user verification failed") && line.includes("gRPC")),
      ).toBe(true);
      expect(env.sandbox.controls.status({ userId: "alma" }, "gmail")).toBe("PENDING_VERIFICATION");
      // Nothing was spent, and the binding is free again: the reload the page suggests verifies.
      expect((await visit()).status).toBe(200);
      expect(env.sandbox.controls.status({ userId: "alma" }, "gmail")).toBe("ACTIVE");
    } finally {
      await env.close();
    }
  });
});
