/** A whole turn, and the time from consent to the resumed run (webhook vs polling alone). */
import { performance } from "node:perf_hooks";
import { createAgentRuntime } from "../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../src/runtime/events.js";
import { DemoChatModel, startSandbox } from "../src/sandbox/index.js";
import { type Bench, percentile, ratio, round, time } from "./report.js";

const drain = async (stream: AsyncIterable<RuntimeEvent>, onEvent?: (e: RuntimeEvent) => Promise<void>) => {
  for await (const event of stream) await onEvent?.(event);
};

export const bench: Bench = async () => {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  try {
    const open = () =>
      createAgentRuntime({
        model: new DemoChatModel({ timeZone: "UTC" }),
        scalekit: sandbox.settings,
        providerBaseUrls: sandbox.providerBaseUrls,
        databaseUrl: ":memory:",
        timeZone: "UTC",
        webhookSecret: sandbox.webhookSecret,
      });
    const user = { userId: "bench-user" };
    await sandbox.controls.approve(user, "gmail");
    const runtime = await open();
    const credentials = await sandbox.scalekit.getAccount("bench-user", "gmail", { userId: "bench-user" });
    const provider = await time(50, () =>
      fetch(`${sandbox.providers.url}/gmail/v1/users/me/messages?q=is%3Aunread&maxResults=10`, {
        headers: { authorization: `Bearer ${credentials?.accessToken ?? ""}` },
      }).then((r) => r.text()),
    );
    const turns = await time(50, (i) =>
      drain(runtime.send({ userId: user.userId, threadId: `bench-turn-${i}`, text: "show my unread email" })),
    );
    await runtime.close();

    /** Consent → resumed run, with the sandbox's webhooks delivered to the runtime or not at all. */
    const resumeLatency = async (prefix: string, webhooks: boolean, count: number) => {
      const target = await open();
      const stop = webhooks ? sandbox.deliverWebhooks((input) => target.handleWebhook(input)) : () => {};
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const who = { userId: `${prefix}-${i}` };
        let approvedAt = 0;
        await drain(
          target.send({ ...who, threadId: who.userId, text: "show my unread email" }),
          async (event) => {
            if (event.type === "authorization-required") {
              approvedAt = performance.now();
              await sandbox.controls.approve(who, "gmail");
            }
            if (event.type === "authorization-completed") samples.push(performance.now() - approvedAt);
          },
        );
      }
      stop();
      await target.close();
      return samples;
    };
    const polled = await resumeLatency("bench-poll", false, 10);
    const hooked = await resumeLatency("bench-hook", true, 10);
    return [
      {
        name: "turn: 'show my unread email' (p50)",
        value: round(percentile(turns, 50)),
        unit: "ms",
        baseline: round(percentile(provider, 50)),
        ratio: ratio(percentile(turns, 50), percentile(provider, 50)),
        target: "baseline = the bare provider list call",
      },
      { name: "turn p95", value: round(percentile(turns, 95)), unit: "ms" },
      {
        name: "consent → resume (p50)",
        value: round(percentile(hooked, 50)),
        unit: "ms via webhook",
        baseline: round(percentile(polled, 50)),
        ratio: ratio(percentile(polled, 50), percentile(hooked, 50)),
        target: "polling alone is the baseline",
      },
    ];
  } finally {
    await sandbox.close();
  }
};
