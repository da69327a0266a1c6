/** Status and credential look-ups: the port straight to Scalekit vs the cache in front of it. */
import { CachedAgentAuth } from "../src/auth/cached-agent-auth.js";
import { ScalekitAgentAuth } from "../src/auth/scalekit/scalekit-agent-auth.js";
import { createAgentRuntime } from "../src/runtime/agent-runtime.js";
import { DemoChatModel, startSandbox } from "../src/sandbox/index.js";
import { type Bench, percentile, ratio, round, time } from "./report.js";

export const bench: Bench = async () => {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  try {
    const direct = new ScalekitAgentAuth(sandbox.settings);
    const cached = new CachedAgentAuth(direct);
    const user = { userId: "bench-user" };
    const connectors = ["gmail", "google-calendar", "slack", "notion", "outlook"] as const;
    const connections = connectors.map((id) => sandbox.connectionNames[id]);
    for (const connector of connectors) await sandbox.controls.approve(user, connector);
    await direct.getStatuses(user, connections); // warm the SDK's HTTP/2 session and M2M token
    sandbox.scalekit.calls.reset();
    const cold = await time(200, () => direct.getStatuses(user, connections));
    const coldCalls = sandbox.scalekit.calls.count();
    await cached.getStatuses(user, connections);
    sandbox.scalekit.calls.reset();
    const warm = await time(200, () => cached.getStatuses(user, connections));
    const warmCalls = sandbox.scalekit.calls.count();

    const coldCredentials = await time(200, () => direct.getCredentials(user, "gmail"));
    await cached.getCredentials(user, "gmail");
    const warmCredentials = await time(200, () => cached.getCredentials(user, "gmail"));

    // Negative answers are cached too: one connected account and four not cost no call either.
    const mixed = { userId: "bench-mixed" };
    await sandbox.controls.approve(mixed, "gmail");
    await cached.getStatuses(mixed, connections);
    sandbox.scalekit.calls.reset();
    await time(200, () => cached.getStatuses(mixed, connections));
    const mixedCalls = sandbox.scalekit.calls.count();
    // Baseline: the same look-ups straight to Scalekit (what each model call cost before).
    sandbox.scalekit.calls.reset();
    await time(200, () => direct.getStatuses(mixed, connections));
    const mixedDirectCalls = sandbox.scalekit.calls.count();

    // The cold path of one AI message that needs Gmail and Slack for a new user, up to the
    // interrupt: status look-ups, account creations, links.
    const runtime = await createAgentRuntime({
      model: new DemoChatModel({ timeZone: "UTC" }),
      scalekit: sandbox.settings,
      providerBaseUrls: sandbox.providerBaseUrls,
      databaseUrl: ":memory:",
      timeZone: "UTC",
    });
    await runtime.listConnections({ userId: "bench-warmup" }); // the SDK's first call fetches a token
    const coldPath: Record<string, number> = {};
    const methods = [
      "ListConnectedAccounts",
      "GetConnectedAccountAuth",
      "CreateConnectedAccount",
      "GetMagicLinkForConnectedAccount",
    ];
    sandbox.scalekit.calls.reset();
    for await (const event of runtime.send({
      userId: "bench-cold",
      threadId: "bench-cold",
      text: "email sam@example.com about lunch saying see you at noon and post 'lunch at noon' to #team",
      waitForAuthorization: false,
    })) {
      if (event.type === "authorization-required")
        for (const method of methods) coldPath[method] = sandbox.scalekit.calls.count(method);
    }
    await runtime.close();
    const coldTotal = methods.reduce((total, method) => total + (coldPath[method] ?? 0), 0);

    const fresh = new CachedAgentAuth(direct);
    sandbox.scalekit.calls.reset();
    await Promise.all(
      Array.from({ length: 50 }, () => fresh.getStatuses({ userId: "bench-burst" }, connections)),
    );
    return [
      {
        name: "status look-up, 5 connections (p50)",
        value: round(percentile(warm, 50) * 1000),
        unit: "µs cached",
        baseline: round(percentile(cold, 50) * 1000),
        ratio: ratio(percentile(cold, 50), percentile(warm, 50)),
        target: "warm path makes 0 Scalekit calls",
      },
      {
        name: "Scalekit calls on 200 warm look-ups",
        value: warmCalls,
        unit: "calls",
        baseline: coldCalls,
        target: "0 (baseline: the same 200 look-ups straight to Scalekit)",
      },
      {
        name: "Scalekit calls on 200 look-ups, 1 connected + 4 not",
        value: mixedCalls,
        unit: "calls",
        baseline: mixedDirectCalls,
        target: "0 (baseline: the same look-ups straight to Scalekit, as each model call made before)",
      },
      {
        name: "cold path: Gmail + Slack for a new user, to the interrupt",
        value: coldTotal,
        unit: "calls",
        baseline: 5,
        ratio: ratio(coldTotal, 5),
        target: `≤ 5: 1 list + create and link per account (${methods
          .map((method) => `${method} ${coldPath[method] ?? 0}`)
          .join(", ")}); baseline = that floor (8 before this work)`,
      },
      {
        name: "credentials (p50)",
        value: round(percentile(warmCredentials, 50) * 1000),
        unit: "µs cached",
        baseline: round(percentile(coldCredentials, 50) * 1000),
        ratio: ratio(percentile(coldCredentials, 50), percentile(warmCredentials, 50)),
      },
      {
        name: "50 concurrent look-ups, one user",
        value: sandbox.scalekit.calls.count("ListConnectedAccounts"),
        unit: "calls",
        target: "1",
      },
    ];
  } finally {
    await sandbox.close();
  }
};
