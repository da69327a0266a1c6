/**
 * What Delegate's graph and runtime add to a bare `createAgent` with the same tools, model and
 * checkpointer: one turn at a time (p50), and 200 conversations at once (turns per second).
 * The user has Gmail connected and the four other connectors not (the mix that used to cost a
 * Scalekit call per model call).
 */
import { performance } from "node:perf_hooks";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent, HumanMessage } from "langchain";
import { createDelegateAgent } from "../src/agent/create-delegate-agent.js";
import { loadPromptTemplate } from "../src/agent/system-prompt.js";
import { CachedAgentAuth } from "../src/auth/cached-agent-auth.js";
import { ScalekitAgentAuth } from "../src/auth/scalekit-agent-auth.js";
import { buildConnectorTools } from "../src/connectors/build-tools.js";
import { ALL_CONNECTORS } from "../src/connectors/index.js";
import { connectionNames } from "../src/connectors/registry.js";
import { createAgentRuntime } from "../src/runtime/agent-runtime.js";
import { DemoChatModel, startSandbox } from "../src/sandbox/index.js";
import { type Bench, percentile, ratio, round } from "./report.js";

const TEXT = "show my unread email";

export const bench: Bench = async ({ scale }) => {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  try {
    const names = connectionNames();
    const auth = new CachedAgentAuth(new ScalekitAgentAuth(sandbox.settings));
    const model = new DemoChatModel({ timeZone: "UTC" });
    const promptTemplate = await loadPromptTemplate();
    const users = Array.from({ length: 200 }, (_, i) => ({ userId: `turn-user-${i}` }));
    for (const user of users) await sandbox.controls.approve(user, "gmail");

    // ---- one turn at a time: Delegate's graph vs a bare createAgent -------------------------
    const delegate = createDelegateAgent({
      model,
      auth,
      connectors: ALL_CONNECTORS,
      connectionNames: names,
      checkpointer: SqliteSaver.fromConnString(":memory:"),
      promptTemplate,
      timeZone: "UTC",
      baseUrls: sandbox.providerBaseUrls,
    }).agent;
    const { tools } = buildConnectorTools({
      connectors: ALL_CONNECTORS,
      auth,
      connectionNames: names,
      timeZone: "UTC",
      baseUrls: sandbox.providerBaseUrls,
    });
    const bare = createAgent({ model, tools, checkpointer: SqliteSaver.fromConnString(":memory:") });
    const turn = async (agent: typeof bare | typeof delegate, threadId: string, userId: string) => {
      const stream = await (agent as typeof bare).stream({ messages: [new HumanMessage(TEXT)] }, {
        configurable: { thread_id: threadId },
        context: { userId },
        streamMode: ["messages", "updates"],
      } as never);
      for await (const _ of stream);
    };
    // Warm both (JIT, caches, the SDK's session), then alternate so background load hits both.
    for (let i = 0; i < 20; i++) {
      await turn(delegate, `warm-d-${i}`, "turn-user-0");
      await turn(bare, `warm-b-${i}`, "turn-user-0");
    }
    const rounds = scale ? 400 : 120;
    const delegateSamples: number[] = [];
    const bareSamples: number[] = [];
    sandbox.scalekit.calls.reset();
    for (let i = 0; i < rounds; i++) {
      let start = performance.now();
      await turn(delegate, `d-${i}`, "turn-user-0");
      delegateSamples.push(performance.now() - start);
      start = performance.now();
      await turn(bare, `b-${i}`, "turn-user-0");
      bareSamples.push(performance.now() - start);
    }
    const warmCalls = sandbox.scalekit.calls.count();

    // ---- 200 conversations at once: runtime.send vs bare createAgent streaming --------------
    const runtime = await createAgentRuntime({
      model,
      agentAuth: auth,
      providerBaseUrls: sandbox.providerBaseUrls,
      databaseUrl: ":memory:",
      timeZone: "UTC",
    });
    const concurrentBare = createAgent({
      model,
      tools,
      checkpointer: SqliteSaver.fromConnString(":memory:"),
    });
    const turnsEach = scale ? 5 : 2;
    const throughput = async (one: (userId: string, threadId: string) => Promise<void>, tag: string) => {
      const start = performance.now();
      await Promise.all(
        users.map(async (user) => {
          for (let t = 0; t < turnsEach; t++) await one(user.userId, `${tag}-${user.userId}-${t}`);
        }),
      );
      return (users.length * turnsEach) / ((performance.now() - start) / 1000);
    };
    const viaRuntime = async (userId: string, threadId: string) => {
      for await (const _ of runtime.send({ userId, threadId, text: TEXT }));
    };
    const viaBare = (userId: string, threadId: string) => turn(concurrentBare, threadId, userId);
    await throughput(viaRuntime, "warm-r");
    await throughput(viaBare, "warm-b");
    const runtimeRates: number[] = [];
    const bareRates: number[] = [];
    for (let round = 0; round < (scale ? 3 : 2); round++) {
      runtimeRates.push(await throughput(viaRuntime, `r${round}`));
      bareRates.push(await throughput(viaBare, `b${round}`));
    }
    await runtime.close();
    const runtimeRate = percentile(runtimeRates, 50);
    const bareRate = percentile(bareRates, 50);
    const d50 = percentile(delegateSamples, 50);
    const b50 = percentile(bareSamples, 50);
    return [
      {
        name: "single turn, Delegate's graph (p50)",
        value: round(d50),
        unit: "ms",
        baseline: round(b50),
        ratio: ratio(d50, b50),
        target: "≤ 1.10× bare createAgent",
      },
      {
        name: "single turn, Scalekit calls per model call (warm)",
        value: round(warmCalls / (rounds * 2), 3),
        unit: "calls",
        target: "0",
      },
      {
        name: "200 concurrent users, runtime.send",
        value: round(runtimeRate, 1),
        unit: "turns/s",
        baseline: round(bareRate, 1),
        ratio: ratio(runtimeRate, bareRate),
        target: "≥ 0.85× bare createAgent streaming",
      },
    ];
  } finally {
    await sandbox.close();
  }
};
