import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { postgresBin, startPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { type Replica, startReplica, startWebhookSplitter } from "../../helpers/replicas.js";
import { waitFor } from "../../helpers/sandbox-runtime.js";

const available = postgresBin() !== undefined;
if (!available)
  console.log("PostgreSQL scale test skipped: the postgresql package is not installed (.ci/run installs it)");

const THREADS = 60;
const TEXT = "email sam@example.com about lunch saying see you at noon";

describe.skipIf(!available)("two processes on one PostgreSQL, many waiting threads", () => {
  let postgres: TestPostgres;
  let sandbox: Sandbox;
  const replicas: Replica[] = [];
  let splitter: Awaited<ReturnType<typeof startWebhookSplitter>> | undefined;

  beforeAll(async () => {
    postgres = await startPostgres();
    sandbox = await startSandbox({ timeZone: "UTC" });
  }, 90_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await splitter?.close();
    await sandbox?.close();
    await postgres?.close();
  }, 60_000);

  it("resumes every thread exactly once, with webhooks spread over both and both polling", async () => {
    for (const name of ["a", "b"]) {
      replicas.push(
        await startReplica({
          name,
          scalekit: sandbox.settings,
          providerBaseUrl: sandbox.providers.url,
          webhookSecret: sandbox.webhookSecret,
          databaseUrl: postgres.url,
          // Fast polls too, so polls race the webhooks on both replicas.
          poll: { initialIntervalMs: 20, maxIntervalMs: 50, budgetPerSecond: 50 },
        }),
      );
    }
    splitter = await startWebhookSplitter(() => replicas.map((replica) => replica.webhookUrl));
    sandbox.scalekit.addWebhookUrl(splitter.url);
    const [a, b] = replicas as [Replica, Replica];
    const all = () => [...a.events, ...b.events];
    const user = (i: number) => `pgs-${i}`;

    await Promise.all(
      Array.from({ length: THREADS }, (_, i) => (i % 2 === 0 ? a : b).send(user(i), `t-${user(i)}`, TEXT)),
    );
    expect(all().filter((event) => event.type === "authorization-required")).toHaveLength(THREADS);
    // Everyone consents at about the same time.
    await Promise.all(
      Array.from({ length: THREADS }, (_, i) => sandbox.controls.approve({ userId: user(i) }, "gmail")),
    );
    await waitFor(
      () => all().filter((event) => event.type === "turn-end").length >= THREADS,
      60_000,
      "every thread to finish",
    );
    await sandbox.scalekit.flushWebhooks();

    const resumedBy = { a: 0, b: 0 };
    for (let i = 0; i < THREADS; i++) {
      const threadId = `t-${user(i)}`;
      const events = all().filter((event) => event.threadId === threadId);
      const completed = events.filter((event) => event.type === "authorization-completed");
      expect(completed, threadId).toHaveLength(1);
      resumedBy[(completed[0]?.replica ?? "a") as "a" | "b"]++;
      expect(
        events.filter((event) => event.type === "turn-end"),
        threadId,
      ).toHaveLength(1);
      expect(
        events.filter((event) => event.type === "error"),
        threadId,
      ).toHaveLength(0);
      const sent = sandbox.emulators.gmail
        .inspect(user(i))
        .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@example.com"));
      expect(sent, threadId).toHaveLength(1);
    }
    // Both replicas resumed threads: the webhooks (and polls) really were spread.
    expect(resumedBy.a).toBeGreaterThan(0);
    expect(resumedBy.b).toBeGreaterThan(0);
    const deliveries = sandbox.scalekit.webhookDeliveries.filter(
      (delivery) => delivery.url === splitter?.url,
    );
    expect(deliveries.length).toBeGreaterThanOrEqual(THREADS);
  }, 180_000);
});
