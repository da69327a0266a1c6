/**
 * Consent → resumed run, three ways in the same run: the user-verify redirect (the browser opened
 * the REPL's start URL, and its Allow is answered with a 303 to the REPL's loopback listener,
 * which checks the browser's binding, verifies and resumes at once), a Scalekit webhook, and the
 * status poll alone. Each sample is from the Allow post to the
 * resumed run's first event (`authorization-completed`).
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { VerifyListener } from "../src/cli/chat/verify-listener.js";
import { type AgentRuntime, createAgentRuntime } from "../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../src/runtime/events.js";
import { DemoChatModel, type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { browse, CookieJar } from "../test/helpers/browser-binding.js";
import { type Bench, percentile, type Row, ratio, round } from "./report.js";

type Way = "verify" | "webhook" | "poll";

const NO_POLL = { initialIntervalMs: 3_600_000, maxIntervalMs: 3_600_000 };

async function samples(sandbox: Sandbox, way: Way, count: number): Promise<number[]> {
  let runtime: AgentRuntime | undefined;
  const listener = new VerifyListener({
    verify: (input, identity) => (runtime as AgentRuntime).verifyUser({ ...input, ...identity }),
  });
  runtime = await createAgentRuntime({
    model: new DemoChatModel({ timeZone: "UTC" }),
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    webhookSecret: sandbox.webhookSecret,
    databaseUrl: ":memory:",
    timeZone: "UTC",
    // Only the way measured can resume: the others are switched off.
    ...(way === "poll" ? {} : { poll: NO_POLL }),
    ...(way === "verify" ? { verification: { url: () => listener.url(), secret: randomBytes(32) } } : {}),
  });
  const target = runtime;
  const stop = way === "webhook" ? sandbox.deliverWebhooks((input) => target.handleWebhook(input)) : () => {};
  const out: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const who = { userId: `bench-${way}-${i}-${randomBytes(3).toString("hex")}` };
      listener.identity = who;
      const first: RuntimeEvent[] = [];
      for await (const event of target.send({
        ...who,
        threadId: "t",
        text: "show my unread email",
        waitForAuthorization: false,
      })) {
        first.push(event);
      }
      const link = first.find((event) => event.type === "authorization-required");
      const request = link?.type === "authorization-required" ? link.requests[0] : undefined;
      if (!request) throw new Error(`no link: ${JSON.stringify(first)}`);
      const url = request.url;
      // As the REPL shows it: the browser opens the start URL (its binding cookie), which leads
      // to the consent page. Not timed: the person reads the page before Allow.
      const browser = new CookieJar();
      if (way === "verify") {
        const opened = await browse(browser, listener.startUrl(request));
        await opened.response.text();
      }
      const resumed = new Promise<number>((resolve) => {
        const off = target.subscribe({ ...who, threadId: "t" }, (event) => {
          if (event.type === "authorization-completed") resolve(performance.now());
          if (event.type === "turn-end") off();
        });
      });
      const ended = new Promise<void>((resolve) => {
        const off = target.subscribe({ ...who, threadId: "t" }, (event) => {
          if (event.type === "turn-end") {
            off();
            resolve();
          }
        });
      });
      const allowedAt = performance.now();
      // The browser's Allow, following the 303 to the verify URL with its cookies.
      const { response } = await browse(browser, url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "decision=allow",
      });
      await response.text();
      // A refused verification never resumes: fail loudly rather than hang the benchmark.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${way}: no resume within 30 s`)), 30_000);
      });
      out.push((await Promise.race([resumed, late]).finally(() => clearTimeout(timer))) - allowedAt);
      await ended;
    }
  } finally {
    stop();
    await listener.close();
    await target.close();
  }
  return out;
}

export const bench: Bench = async ({ scale }) => {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  try {
    const many = scale ? 200 : 40;
    // Warm-up: module loading, the first gRPC connection, the first SQLite statements.
    await samples(sandbox, "verify", 3);
    const verify = await samples(sandbox, "verify", many);
    const webhook = await samples(sandbox, "webhook", many);
    const poll = await samples(sandbox, "poll", scale ? 40 : 10);
    const rows: Row[] = [];
    const row = (way: Way, values: number[], p: 50 | 95, extra: Partial<Row> = {}) => ({
      name: `consent → resumed run via ${way === "verify" ? "the verify redirect" : way} (p${p}, n=${values.length})`,
      value: round(percentile(values, p)),
      unit: "ms",
      ...extra,
    });
    rows.push(
      row("verify", verify, 50, {
        baseline: round(percentile(webhook, 50)),
        ratio: ratio(percentile(verify, 50), percentile(webhook, 50)),
        target: "baseline = webhook p50, same run",
      }),
      row("verify", verify, 95, {
        baseline: round(percentile(webhook, 95)),
        ratio: ratio(percentile(verify, 95), percentile(webhook, 95)),
        target: "p95 ≤ 50 ms on loopback (issue 14)",
      }),
      row("webhook", webhook, 50),
      row("webhook", webhook, 95),
      row("poll", poll, 50, {
        baseline: round(percentile(verify, 50)),
        ratio: ratio(percentile(poll, 50), percentile(verify, 50)),
        target: "polling alone (0.5 s first check); ratio = poll / verify",
      }),
      row("poll", poll, 95),
    );
    return rows;
  } finally {
    await sandbox.close();
  }
};
