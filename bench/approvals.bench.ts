/**
 * The gate's cost of deciding approvals: the same turns (each sends an email to a recipient the
 * person named, so `auto` lets it through) with the default policy — provenance read from the
 * whole thread on every batch — against the same run with approvals switched off (every effect
 * `allow`, so the policy answers before looking at the thread). The model is a local
 * OpenAI-compatible server answering at once, so the gate's share is not hidden by a slow model.
 */
import { createChatModel } from "../src/agent/model.js";
import { createAgentRuntime } from "../src/runtime/agent-runtime.js";
import { startSandbox } from "../src/sandbox/index.js";
import { startFakeOpenAI } from "../test/helpers/fake-openai-server.js";
import { type Bench, percentile, ratio, round, time } from "./report.js";

const TURNS = 40;

export const bench: Bench = async () => {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  const openai = await startFakeOpenAI();
  openai.setResponder((body) => {
    if (body.messages.at(-1)?.role === "tool") return { text: "Sent." };
    return {
      toolCalls: [
        {
          name: "gmail_send_message",
          args: { to: ["sam@example.com"], subject: "Hi", body: "See you at noon" },
        },
      ],
    };
  });
  try {
    const open = async (label: string, approvals: string | undefined) => {
      const user = { userId: `bench-approvals-${label}` };
      await sandbox.controls.approve(user, "gmail");
      const runtime = await createAgentRuntime({
        model: (await createChatModel({ baseUrl: openai.url, apiKey: "sk", model: "m", maxRetries: 0 }))
          .model,
        scalekit: sandbox.settings,
        providerBaseUrls: sandbox.providerBaseUrls,
        databaseUrl: ":memory:",
        timeZone: "UTC",
        ...(approvals ? { approvals } : {}),
      });
      // One long thread each: provenance is read from all of it on every batch.
      const turn = async (i: number) => {
        for await (const _ of runtime.send({
          ...user,
          threadId: "t",
          text: `email sam@example.com, note ${i}`,
        })) {
          // drain
        }
      };
      return { runtime, turn };
    };
    const off = await open("off", "read=allow,write=allow,destructive=allow");
    const on = await open("on", undefined);
    // Interleaved, so load on the machine weighs on both alike.
    const without: number[] = [];
    const withPolicy: number[] = [];
    for (let i = 0; i < TURNS; i++) {
      without.push(...(await time(1, () => off.turn(i))));
      withPolicy.push(...(await time(1, () => on.turn(i))));
    }
    await off.runtime.close();
    await on.runtime.close();
    return [
      {
        name: `turn with approvals (auto, ${TURNS}-turn thread, p50)`,
        value: round(percentile(withPolicy, 50)),
        unit: "ms",
        baseline: round(percentile(without, 50)),
        ratio: ratio(percentile(withPolicy, 50), percentile(without, 50)),
        target: "baseline = the same turns with every effect allowed",
      },
      {
        name: "turn with approvals (p95)",
        value: round(percentile(withPolicy, 95)),
        unit: "ms",
        baseline: round(percentile(without, 95)),
        ratio: ratio(percentile(withPolicy, 95), percentile(without, 95)),
      },
    ];
  } finally {
    await openai.close();
    await sandbox.close();
  }
};
