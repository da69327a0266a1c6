/**
 * Only the latest link of a user's connection verifies: each issued link is recorded as its
 * connection's latest in the database beside the used states, so the redirect of an older link
 * (its consent given before a newer link was issued) is refused as `superseded` on any replica,
 * connects nothing and resumes nothing, while the newer link still works. On a SQLite file shared
 * by two runtimes, and on PostgreSQL.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { openStorage } from "../../../src/runtime/storage.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { postgresBin, startPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { collect, ofType, runtimeOn } from "../../helpers/sandbox-runtime.js";
import { consentRedirect, TEST_VERIFY_SECRET } from "../../helpers/user-verification.js";

const hasPostgres = postgresBin() !== undefined;
if (!hasPostgres)
  console.log("user-verification-superseded: PostgreSQL part skipped, the postgresql package is missing");

const VERIFY_URL = "http://127.0.0.1:9/verify";

let sandbox: Sandbox;
let postgres: TestPostgres | undefined;
beforeAll(async () => {
  sandbox = await startSandbox({ timeZone: "UTC" });
  if (hasPostgres) postgres = await startPostgres();
}, 90_000);
afterAll(async () => {
  await sandbox?.close();
  await postgres?.close();
});

const databases: { name: string; url: () => string }[] = [
  {
    name: "a SQLite file",
    url: () => join(mkdtempSync(join(tmpdir(), "delegate-latest-")), "delegate.sqlite"),
  },
  ...(hasPostgres ? [{ name: "PostgreSQL", url: () => postgres?.url ?? "" }] : []),
];

/** Two replicas on one database: no webhooks and a slow poll, so only a verification resumes. */
async function replicas(databaseUrl: string) {
  const events: RuntimeEvent[] = [];
  const replica = () =>
    runtimeOn(sandbox, {
      databaseUrl,
      poll: { initialIntervalMs: 3_600_000, maxIntervalMs: 3_600_000 },
      verification: { url: VERIFY_URL, secret: TEST_VERIFY_SECRET },
      onEvent: (event) => events.push(event),
    });
  const one = await replica();
  const two = await replica();
  return { one, two, events, close: () => Promise.all([one.close(), two.close()]) };
}

async function linkOf(runtime: AgentRuntime, userId: string, threadId: string): Promise<string> {
  const events = await collect(
    runtime.send({ userId, threadId, text: "show my unread email", waitForAuthorization: false }),
  );
  const url = ofType(events, "authorization-required")[0]?.requests[0]?.url;
  if (!url) throw new Error(`no link: ${JSON.stringify(events)}`);
  return url;
}

describe.each(databases)("older links are retired ($name)", ({ url }) => {
  it("link A's consent, then link B for the same connection on another replica: A is refused, nothing connects or resumes; B verifies", async () => {
    const { one, two, events, close } = await replicas(url());
    const user = `sup-${Math.random().toString(36).slice(2, 8)}`;
    try {
      const linkA = await linkOf(one, user, "t-a");
      // A's consent is given, its redirect not yet followed; then another thread asks on the other replica.
      const redirectA = await consentRedirect(linkA);
      const linkB = await linkOf(two, user, "t-b");
      expect(linkB).not.toBe(linkA);

      expect(await one.verifyUser({ ...redirectA, userId: user })).toMatchObject({
        status: "refused",
        reason: "superseded",
        message: expect.stringContaining("replaced by a newer link"),
      });
      expect(sandbox.controls.status({ userId: user }, "gmail")).toBe("PENDING_VERIFICATION");
      const waiting = await one.listPendingAuthorizations({ userId: user });
      expect(waiting.map((pending) => pending.threadId).sort()).toEqual(["t-a", "t-b"]);
      expect(events.filter((event) => event.type === "authorization-completed")).toEqual([]);

      // B, the latest, still verifies (on either replica) and resumes its thread.
      const redirectB = await consentRedirect(linkB);
      expect(await one.verifyUser({ ...redirectB, userId: user })).toMatchObject({
        status: "verified",
        threadId: "t-b",
        resumed: true,
      });
      expect(sandbox.controls.status({ userId: user }, "gmail")).toBe("ACTIVE");
    } finally {
      await close();
    }
  });

  it("the store keeps one latest state per organization, user and connection, shared by every connection to the database", async () => {
    const databaseUrl = url();
    const [a, b] = await Promise.all([openStorage({ databaseUrl }), openStorage({ databaseUrl })]);
    const user = `sup-${Math.random().toString(36).slice(2, 8)}`;
    const inAnHour = Date.now() + 3_600_000;
    try {
      expect(await a.store.latestVerificationState({ userId: user }, "gmail")).toBeUndefined();
      await a.store.recordLatestVerificationState({ userId: user }, "gmail", "nonce-a-0123456789", inAnHour);
      expect(await b.store.latestVerificationState({ userId: user }, "gmail")).toBe("nonce-a-0123456789");
      await b.store.recordLatestVerificationState({ userId: user }, "gmail", "nonce-b-0123456789", inAnHour);
      expect(await a.store.latestVerificationState({ userId: user }, "gmail")).toBe("nonce-b-0123456789");
      // Another connection, the same user in an organization: each their own.
      expect(await a.store.latestVerificationState({ userId: user }, "slack")).toBeUndefined();
      expect(
        await a.store.latestVerificationState({ userId: user, organizationId: "acme" }, "gmail"),
      ).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
