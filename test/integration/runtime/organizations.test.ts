/**
 * Organizations end to end: the same user id in three organizations is three people, and nothing
 * crosses between them — accounts, threads, caches, links, webhooks, pending authorizations —
 * with 200 users talking at once.
 */
import { ScalekitClient } from "@scalekit-sdk/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity, RuntimeEvent } from "../../../src/index.js";
import { type AgentRuntime, createAgentRuntime } from "../../../src/runtime/agent-runtime.js";
import { DemoChatModel, type Sandbox, startSandbox } from "../../../src/sandbox/index.js";
import { collect, waitFor } from "../../helpers/sandbox-runtime.js";

const ORGS = ["acme", "globex", "initech"] as const;
const PER_ORG = 67; // 201 users; the same ids in every organization
const people: Identity[] = ORGS.flatMap((organizationId) =>
  Array.from({ length: PER_ORG }, (_, i) => ({ organizationId, userId: `user-${i}` })),
);
const key = (who: Identity) => `${who.organizationId}/${who.userId}`;

let sandbox: Sandbox;
let runtime: AgentRuntime;
const heard = new Map<string, RuntimeEvent[]>();
const stops: (() => void)[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ timeZone: "UTC" });
  runtime = await createAgentRuntime({
    model: new DemoChatModel({ timeZone: "UTC" }),
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    webhookSecret: sandbox.webhookSecret,
    databaseUrl: ":memory:",
    timeZone: "UTC",
    // Webhooks only: a poll would hide a webhook that resumed the wrong thread.
    poll: { initialIntervalMs: 3_600_000, maxIntervalMs: 3_600_000 },
  });
  stops.push(sandbox.deliverWebhooks((input) => runtime.handleWebhook(input)));
  for (const who of people) {
    const events: RuntimeEvent[] = [];
    heard.set(key(who), events);
    stops.push(runtime.subscribe({ ...who, threadId: "inbox" }, (event) => events.push(event)));
  }
}, 60_000);

afterAll(async () => {
  for (const stop of stops) stop();
  await runtime?.close();
  await sandbox?.close();
});

describe("three organizations, 200 users with the same ids", () => {
  it("keeps accounts, threads, links, caches, webhooks and pending authorizations apart", async () => {
    // Only acme's people have Gmail connected; the others must be asked, each with their own link.
    for (const who of people.filter((person) => person.organizationId === "acme")) {
      await sandbox.controls.approve(who, "gmail");
    }
    const firstTurns = await Promise.all(
      people.map((who) =>
        collect(
          runtime.send({
            ...who,
            threadId: "inbox",
            text: `email sam@example.com about ${key(who)} saying hello from ${key(who)}`,
            waitForAuthorization: false,
          }),
        ),
      ),
    );
    const links = new Set<string>();
    people.forEach((who, index) => {
      const events = firstTurns[index] ?? [];
      const asked = events.find((event) => event.type === "authorization-required");
      if (who.organizationId === "acme") {
        expect(asked, key(who)).toBeUndefined();
        expect(events.find((event) => event.type === "tool-result")).toMatchObject({ status: "success" });
      } else {
        expect(asked?.type, key(who)).toBe("authorization-required");
        if (asked?.type === "authorization-required") links.add(asked.requests[0]?.url ?? "");
      }
      for (const event of events) {
        // Every event speaks of this person's own thread and request only.
        const text = JSON.stringify(event);
        for (const org of ORGS) {
          if (org !== who.organizationId)
            expect(text.includes(`${org}/${who.userId} `), key(who)).toBe(false);
        }
      }
    });
    expect(links.size).toBe(2 * PER_ORG);

    // The accounts Delegate created carry Scalekit's own organization and user fields, so
    // Scalekit itself (not only the identifier) tells the tenants apart.
    const scalekit = new ScalekitClient(
      sandbox.settings.environmentUrl,
      sandbox.settings.clientId,
      sandbox.settings.clientSecret,
    );
    for (const org of ["globex", "initech"]) {
      const listed = await scalekit.actions.listConnectedAccounts({
        organizationId: org,
        connectionName: "gmail",
        pageSize: 100,
      });
      expect(listed.connectedAccounts).toHaveLength(PER_ORG);
      for (const account of listed.connectedAccounts) {
        expect(account.identifier.startsWith(`${org}/`), account.identifier).toBe(true);
      }
      const one = await scalekit.actions.listConnectedAccounts({ organizationId: org, userId: "user-3" });
      expect(one.connectedAccounts.map((account) => account.identifier)).toEqual([`${org}/user-3`]);
    }

    // Accounts and mailboxes: acme's user-0 sent from acme's mailbox only.
    const sentBy = (who: Identity) =>
      sandbox.emulators.gmail
        .inspect(key(who))
        .messages.filter(
          (m) => m.labelIds.includes("SENT") && (m.headers.to ?? "").includes("sam@example.com"),
        ).length;
    for (const org of ORGS) {
      expect(sentBy({ organizationId: org, userId: "user-0" })).toBe(org === "acme" ? 1 : 0);
    }
    expect(sandbox.controls.status({ organizationId: "globex", userId: "user-0" }, "gmail")).not.toBe(
      "ACTIVE",
    );

    // Pending authorizations: each person sees their own, never another organization's.
    for (const who of people.filter((person) => person.organizationId !== "acme").slice(0, 20)) {
      const pending = await runtime.listPendingAuthorizations(who);
      expect(
        pending.map((item) => [item.organizationId, item.userId, item.threadId]),
        key(who),
      ).toEqual([[who.organizationId, who.userId, "inbox"]]);
    }
    expect((await runtime.listWaitingThreads()).length).toBe(2 * PER_ORG);

    // A webhook for globex's user-1 resumes that thread only: not initech's user-1, not acme's.
    const target: Identity = { organizationId: "globex", userId: "user-1" };
    const twin: Identity = { organizationId: "initech", userId: "user-1" };
    await sandbox.controls.approve(target, "gmail");
    await waitFor(
      () => (heard.get(key(target)) ?? []).some((event) => event.type === "turn-end"),
      15_000,
      "globex/user-1's turn",
    );
    expect(sentBy(target)).toBe(1);
    expect(sentBy(twin)).toBe(0);
    expect((heard.get(key(twin)) ?? []).some((event) => event.type === "tool-result")).toBe(false);
    expect(
      (await runtime.getThread({ ...twin, threadId: "inbox" })).pendingAuthorization?.connections,
    ).toEqual(["gmail"]);
    // Caches: globex/user-1 connected does not make initech/user-1 connected.
    const statuses = await runtime.listConnections(twin);
    expect(statuses.find((item) => item.connector === "gmail")?.status).not.toBe("ACTIVE");

    // Threads: the same thread id in three organizations holds three conversations.
    for (const org of ORGS) {
      const view = await runtime.getThread({ organizationId: org, userId: "user-2", threadId: "inbox" });
      expect(view.organizationId).toBe(org);
      expect(view.messages[0]?.text).toContain(`${org}/user-2`);
    }

    // Listeners heard only their own thread.
    for (const who of people) {
      for (const event of heard.get(key(who)) ?? []) {
        const text = JSON.stringify(event);
        for (const other of ORGS) {
          if (other !== who.organizationId) expect(text.includes(`${other}/${who.userId} `)).toBe(false);
        }
      }
    }
  }, 120_000);
});
