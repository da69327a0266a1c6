/**
 * Scalekit user verification on LangGraph's own server: the graph's links carry the server's
 * `/delegate/verify` route (the `http.app` of langgraph.json) and a state signed for the run's
 * authenticated user and thread. The browser that comes back from Scalekit carries no token; the
 * route verifies by the state, and the client's recheck then proceeds. The server runs in a child
 * process (`@langchain/langgraph-api` startServer, what `langgraphjs dev` runs) with
 * LANGGRAPH_API_URL set as `langgraphjs dev` sets it, against a sandbox started here.
 */
import { Code } from "@connectrpc/connect";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { type RunningServer, startLangGraphServer } from "../../e2e/langgraph-server-harness.js";
import { externalSandboxEnv } from "../../helpers/sandbox-env.js";
import { consentRedirect, statePayload, tamperedState } from "../../helpers/user-verification.js";

const TOKENS = {
  alice: "tok-alice-v3r1",
  carol: "tok-carol-v3r1",
  dave: "tok-dave-v3r1",
  erin: "tok-erin-v3r1",
  finn: "tok-finn-v3r1",
};
interface Chunk {
  event: string;
  data: unknown;
}
interface Interrupt {
  requests: { connector: string; status: string; url: string }[];
}

let sandbox: Sandbox;
let apiUrl: string;
let server: RunningServer;

beforeAll(async () => {
  sandbox = await startSandbox({ timeZone: "Europe/Berlin" });
  server = await startLangGraphServer(
    ({ apiUrl: url, workDir }) => ({
      ...externalSandboxEnv(sandbox),
      DELEGATE_SERVER_TOKENS: Object.entries(TOKENS)
        .map(([user, token]) => `${token}=${user}`)
        .join(","),
      DELEGATE_TIMEZONE: "Europe/Berlin",
      DELEGATE_DATA_DIR: workDir,
      // What `langgraphjs dev` sets: the server's own URL, from which the verify URL follows.
      LANGGRAPH_API_URL: url,
    }),
    { http: true },
  );
  apiUrl = server.apiUrl;
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await sandbox?.close();
});

function client(user: keyof typeof TOKENS): Client {
  return new Client({
    apiUrl,
    apiKey: null,
    callerOptions: { maxRetries: 0 },
    defaultHeaders: { Authorization: `Bearer ${TOKENS[user]}` },
  });
}

async function run(user: keyof typeof TOKENS, threadId: string, body: Record<string, unknown>) {
  const chunks: Chunk[] = [];
  for await (const chunk of client(user).runs.stream(threadId, "delegate", {
    ...body,
    streamMode: ["updates"],
  }) as AsyncIterable<Chunk>) {
    chunks.push(chunk);
  }
  const interrupts = chunks.flatMap((chunk) => {
    const update = chunk.data as { __interrupt__?: { value: Interrupt }[] } | null;
    return chunk.event === "updates" ? (update?.__interrupt__ ?? []).map((entry) => entry.value) : [];
  });
  const errors = chunks.filter((chunk) => chunk.event === "error");
  return { interrupts, errors };
}

const ask = (user: keyof typeof TOKENS, threadId: string, content: string) =>
  run(user, threadId, { input: { messages: [{ role: "user", content }] } });
const recheck = (user: keyof typeof TOKENS, threadId: string) =>
  run(user, threadId, { command: { resume: { action: "recheck" } } });

async function page(url: URL | string) {
  const response = await fetch(url);
  const html = await response.text();
  return {
    status: response.status,
    text: (/<p>(.*?)<\/p>/.exec(html)?.[1] ?? "").replaceAll("&#39;", "'").replaceAll("&#8212;", "—"),
  };
}

describe("user verification on LangGraph's server", () => {
  it("links lead to /delegate/verify with a state for the run's user and thread; the route verifies without a token, and the recheck proceeds", async () => {
    const thread = await client("alice").threads.create();
    const first = await ask("alice", thread.thread_id, "show my unread email");
    expect(first.errors).toEqual([]);
    const link = first.interrupts[0]?.requests[0]?.url ?? "";
    const redirect = await consentRedirect(link);
    expect(`${redirect.location.origin}${redirect.location.pathname}`).toBe(`${apiUrl}/delegate/verify`);
    // Bound to the authenticated user and to LangGraph's thread (configurable.thread_id).
    expect(statePayload(redirect.state)).toMatchObject({ u: "alice", c: "gmail", t: thread.thread_id });

    // The browser has not come back yet: the recheck finds the account waiting for verification.
    const early = await recheck("alice", thread.thread_id);
    expect(early.interrupts[0]?.requests[0]).toMatchObject({
      connector: "gmail",
      status: "PENDING_VERIFICATION",
    });
    expect(sandbox.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");

    // A forged state is refused before Scalekit is asked anything.
    const forged = new URL(redirect.location);
    forged.searchParams.set("state", tamperedState(redirect.state, { u: "carol" }));
    expect(await page(forged)).toMatchObject({ status: 403 });
    expect(sandbox.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");

    // The browser comes back (no bearer token on this request): verified.
    const verified = await page(redirect.location);
    expect(verified.status).toBe(200);
    expect(verified.text).toContain("Gmail connected");
    expect(sandbox.controls.status({ userId: "alice" }, "gmail")).toBe("ACTIVE");
    // A replay is refused.
    expect((await page(redirect.location)).status).toBe(409);

    const done = await recheck("alice", thread.thread_id);
    expect(done.errors).toEqual([]);
    expect(done.interrupts).toEqual([]);
    const state = await client("alice").threads.getState<{ messages: { type: string; content: unknown }[] }>(
      thread.thread_id,
    );
    expect(JSON.stringify(state.values.messages.at(-1)?.content)).toContain("Q3 vendor contract");
  });

  it("Scalekit failing while verifying: a plain page says what to do, the detail goes to the log, and a reload verifies", async () => {
    const thread = await client("erin").threads.create();
    const { interrupts } = await ask("erin", thread.thread_id, "show my unread email");
    const redirect = await consentRedirect(interrupts[0]?.requests[0]?.url ?? "");
    // A failure the SDK does not retry, with words of its own that must stay out of the page.
    sandbox.scalekit.failNext("VerifyConnectedAccountUser", 1, Code.Internal, "db shard 7 exploded");
    const response = await fetch(redirect.location);
    const html = await response.text();
    expect(response.status).toBe(502);
    expect(/<p>(.*?)<\/p>/.exec(html)?.[1]?.replaceAll("&#39;", "'")).toBe(
      "Something went wrong on Delegate's side while finishing the connection, so nothing was connected. Reload this page in a minute to try again; if it keeps failing, go back to the chat and ask for a new link.",
    );
    for (const internal of ["Scalekit", "gRPC", "Internal", "exploded", sandbox.settings.environmentUrl]) {
      expect(html).not.toContain(internal);
    }
    expect(server.log()).toContain("user verification failed");
    expect(sandbox.controls.status({ userId: "erin" }, "gmail")).toBe("PENDING_VERIFICATION");
    // Nothing was spent: the reload the page suggests verifies.
    expect(await page(redirect.location)).toMatchObject({ status: 200 });
    expect(sandbox.controls.status({ userId: "erin" }, "gmail")).toBe("ACTIVE");
  });

  it("a newer link retires the older: its redirect is refused, and its thread's recheck hands out a fresh link", async () => {
    const linkOf = (result: Awaited<ReturnType<typeof ask>>) => result.interrupts[0]?.requests[0]?.url ?? "";
    const first = await client("finn").threads.create();
    const linkA = linkOf(await ask("finn", first.thread_id, "show my unread email"));
    const redirectA = await consentRedirect(linkA);
    // While it is the latest, the thread's recheck shows the same link.
    expect(linkOf(await recheck("finn", first.thread_id))).toBe(linkA);
    const second = await client("finn").threads.create();
    const linkB = linkOf(await ask("finn", second.thread_id, "show my unread email"));
    expect(linkB).not.toBe(linkA);

    expect(await page(redirectA.location)).toEqual({
      status: 410,
      text: "This link was replaced by a newer link for the same account, so nothing was connected. Use the newest link Delegate gave you, or ask for a new one.",
    });
    expect(sandbox.controls.status({ userId: "finn" }, "gmail")).toBe("PENDING_VERIFICATION");
    // The first thread asks again: a fresh link, not its retired one.
    const linkC = linkOf(await recheck("finn", first.thread_id));
    expect([linkA, linkB]).not.toContain(linkC);
    expect(await page((await consentRedirect(linkC)).location)).toMatchObject({ status: 200 });
    expect(sandbox.controls.status({ userId: "finn" }, "gmail")).toBe("ACTIVE");
  });

  it("someone else's consent paired with the state is refused by Scalekit; the route runs nothing else without a token", async () => {
    const carolThread = await client("carol").threads.create();
    const carol = await consentRedirect(
      (await ask("carol", carolThread.thread_id, "show my unread email")).interrupts[0]?.requests[0]?.url ??
        "",
    );
    const daveThread = await client("dave").threads.create();
    const dave = await consentRedirect(
      (await ask("dave", daveThread.thread_id, "show my unread email")).interrupts[0]?.requests[0]?.url ?? "",
    );
    // Dave's completed consent, presented with carol's state: Scalekit says the identifier differs.
    const mixed = new URL(carol.location);
    mixed.searchParams.set("auth_request_id", dave.authRequestId);
    expect(await page(mixed)).toEqual({
      status: 403,
      text: "This authorization was completed for a different user, so it was not accepted.",
    });
    expect(sandbox.controls.status({ userId: "carol" }, "gmail")).toBe("PENDING_VERIFICATION");
    expect(sandbox.controls.status({ userId: "dave" }, "gmail")).toBe("PENDING_VERIFICATION");
    expect((await recheck("carol", carolThread.thread_id)).interrupts).toHaveLength(1);

    // Only GET /delegate/verify is open without a token; it needs a signed state.
    expect((await page(`${apiUrl}/delegate/verify`)).status).toBe(403);
    const post = await fetch(`${apiUrl}/delegate/verify`, { method: "POST" });
    expect(post.status).toBe(401);
    const search = await fetch(`${apiUrl}/threads/search`, { method: "POST", body: "{}" });
    expect(search.status).toBe(401);
    // Delegate never logs the state; LangGraph's own request log prints the path it served (the
    // state is single use and spent by then).
    const mentions = server
      .log()
      .split("\n")
      .filter((line) => line.includes(carol.state));
    expect(mentions.length).toBeGreaterThan(0);
    for (const line of mentions) expect(line).toMatch(/(<--|-->) GET \/delegate\/verify\?/);
  });
});
