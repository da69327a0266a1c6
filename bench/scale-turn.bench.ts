/**
 * What Delegate's graph and runtime add to a bare `createAgent` with the same tools, model and
 * checkpointer: one turn at a time (p50), and 200 conversations at once (turns per second).
 * The user has Gmail connected and the four other connectors not (the mix that used to cost a
 * Scalekit call per model call).
 */
import { performance } from "node:perf_hooks";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent, createMiddleware, HumanMessage } from "langchain";
import { createDelegateAgent } from "../src/agent/create-delegate-agent.js";
import { loadPromptTemplate } from "../src/agent/system-prompt.js";
import { CachedAgentAuth } from "../src/auth/cached-agent-auth.js";
import { ScalekitAgentAuth } from "../src/auth/scalekit/scalekit-agent-auth.js";
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
    // For comparison, the earlier design's floor: a gate as a node after every model call costs a
    // superstep even when it does nothing (Delegate's gate now runs inside the model step).
    const emptyGate = createAgent({
      model,
      tools,
      checkpointer: SqliteSaver.fromConnString(":memory:"),
      middleware: [createMiddleware({ name: "EmptyGate", afterModel: async () => undefined })],
    });
    const turn = async (
      agent: typeof bare | typeof delegate | typeof emptyGate,
      threadId: string,
      userId: string,
    ) => {
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
      await turn(emptyGate, `warm-e-${i}`, "turn-user-0");
    }
    const rounds = scale ? 400 : 120;
    const delegateSamples: number[] = [];
    const bareSamples: number[] = [];
    // CPU time too: on a shared machine it moves less with other processes' load than wall time.
    const delegateCpu: number[] = [];
    const bareCpu: number[] = [];
    const emptyCpu: number[] = [];
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    const contenders = [
      { agent: delegate, tag: "d", wall: delegateSamples, cpu: delegateCpu },
      { agent: bare, tag: "b", wall: bareSamples, cpu: bareCpu },
      { agent: emptyGate, tag: "e", wall: [] as number[], cpu: emptyCpu },
    ];
    sandbox.scalekit.calls.reset();
    for (let i = 0; i < rounds; i++) {
      // Each round in another order: whoever runs after another pays for its garbage.
      for (let k = 0; k < contenders.length; k++) {
        const one = contenders[(i + k) % contenders.length] as (typeof contenders)[number];
        const start = performance.now();
        const cpu = process.cpuUsage();
        await turn(one.agent, `${one.tag}-${i}`, "turn-user-0");
        one.wall.push(performance.now() - start);
        one.cpu.push(cpuMs(cpu));
      }
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
    const throughput = async (
      one: (userId: string, threadId: string) => Promise<void>,
      tag: string,
      turns = turnsEach,
    ) => {
      const start = performance.now();
      await Promise.all(
        users.map(async (user) => {
          for (let t = 0; t < turns; t++) await one(user.userId, `${tag}-${user.userId}-${t}`);
        }),
      );
      return (users.length * turns) / ((performance.now() - start) / 1000);
    };
    const viaRuntime = async (userId: string, threadId: string) => {
      for await (const _ of runtime.send({ userId, threadId, text: TEXT }));
    };
    const viaBare = (userId: string, threadId: string) => turn(concurrentBare, threadId, userId);
    // Where the difference lies: Delegate's graph alone (no runtime around it), and, for
    // comparison, a gate as a node after the model (an empty afterModel), at the same concurrency.
    const viaGraph = (userId: string, threadId: string) => turn(delegate, threadId, userId);
    const viaEmptyGate = (userId: string, threadId: string) => turn(emptyGate, threadId, userId);
    await throughput(viaRuntime, "warm-r", 1);
    await throughput(viaBare, "warm-b", 1);
    await throughput(viaGraph, "warm-g", 1);
    await throughput(viaEmptyGate, "warm-e", 1);
    const runtimeRates: number[] = [];
    const bareRates: number[] = [];
    const graphRates: number[] = [];
    const emptyGateRates: number[] = [];
    const runtimeCpu: number[] = [];
    const bareTurnCpu: number[] = [];
    const runs = [
      async (round: number) => {
        const cpu = process.cpuUsage();
        runtimeRates.push(await throughput(viaRuntime, `r${round}`));
        runtimeCpu.push(cpuMs(cpu) / (users.length * turnsEach));
      },
      async (round: number) => {
        const cpu = process.cpuUsage();
        bareRates.push(await throughput(viaBare, `b${round}`));
        bareTurnCpu.push(cpuMs(cpu) / (users.length * turnsEach));
      },
      async (round: number) => graphRates.push(await throughput(viaGraph, `g${round}`)),
      async (round: number) => emptyGateRates.push(await throughput(viaEmptyGate, `e${round}`)),
    ];
    // An odd number of rounds, so the median is one round's figure, not the better of two.
    for (let round = 0; round < (scale ? 7 : 5); round++) {
      // Each round in another order, as above.
      for (let k = 0; k < runs.length; k++) await runs[(round + k) % runs.length]?.(round);
    }
    await runtime.close();
    const runtimeRate = percentile(runtimeRates, 50);
    const bareRate = percentile(bareRates, 50);
    // Each round's runtime ÷ bare ratio: the two ran back to back, under the same load.
    const roundRatios = runtimeRates.map((rate, i) => rate / (bareRates[i] ?? rate));
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
        name: "single turn, CPU time (p50)",
        value: round(percentile(delegateCpu, 50)),
        unit: "ms",
        baseline: round(percentile(bareCpu, 50)),
        ratio: ratio(percentile(delegateCpu, 50), percentile(bareCpu, 50)),
        target: "≤ 1.10×",
      },
      {
        name: "single turn, CPU time: an empty afterModel node alone (p50)",
        value: round(percentile(emptyCpu, 50)),
        unit: "ms",
        baseline: round(percentile(bareCpu, 50)),
        ratio: ratio(percentile(emptyCpu, 50), percentile(bareCpu, 50)),
        target: "for comparison: a gate as a node after every model call",
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
      {
        name: `200 concurrent users, runtime.send ÷ bare per round (median of ${roundRatios.length}; min–max)`,
        value: round(percentile(roundRatios, 50)),
        unit: "×",
        target: `≥ 0.85 (rounds ${round(Math.min(...roundRatios))}–${round(Math.max(...roundRatios))})`,
      },
      {
        name: "200 concurrent users, CPU per turn (bare ÷ runtime.send)",
        value: round(percentile(runtimeCpu, 50)),
        unit: "ms",
        baseline: round(percentile(bareTurnCpu, 50)),
        ratio: ratio(percentile(bareTurnCpu, 50), percentile(runtimeCpu, 50)),
        target: "≥ 0.85 (the same throughput figure, by CPU time)",
      },
      {
        name: "200 concurrent users, Delegate's graph alone (no runtime)",
        value: round(percentile(graphRates, 50), 1),
        unit: "turns/s",
        baseline: round(bareRate, 1),
        ratio: ratio(percentile(graphRates, 50), bareRate),
        target: "what the runtime around it costs: compare with runtime.send",
      },
      {
        name: "200 concurrent users, an empty afterModel node alone",
        value: round(percentile(emptyGateRates, 50), 1),
        unit: "turns/s",
        baseline: round(bareRate, 1),
        ratio: ratio(percentile(emptyGateRates, 50), bareRate),
        target: "for comparison: a gate as a node after every model call",
      },
    ];
  } finally {
    await sandbox.close();
  }
};
