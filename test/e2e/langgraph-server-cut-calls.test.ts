/**
 * A write cut off mid-call on LangGraph's server (the run cancelled while the provider works)
 * leaves its tool task without a result, and LangGraph runs such a task again on the next
 * resume. The email must still be sent once: the second run finds the call started and says so.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/start-sandbox.js";
import { externalSandboxEnv } from "../helpers/sandbox-env.js";
import {
  collect,
  errorsOf,
  interruptsOf,
  messagesOf,
  type RunningServer,
  type StreamChunk,
  client as serverClient,
  startLangGraphServer,
  text,
  userMessage,
} from "./langgraph-server-harness.js";

const TOKEN = "tok-alice-cut";
let sandbox: Sandbox;
let server: RunningServer | undefined;
let proxy: Server;
/** While set, the provider's answers to POSTs wait for it (the side effect has happened). */
let held: Promise<void> | undefined;
let release: () => void = () => {};

const alice = () => serverClient(server?.apiUrl ?? "", TOKEN);

beforeAll(async () => {
  sandbox = await startSandbox({ timeZone: "Europe/Berlin" });
  const target = new URL(sandbox.providers.url);
  // In front of the provider emulators: each request reaches them at once; a POST's answer is
  // held back while `held` is set, as a slow network would after the email is sent.
  proxy = createServer((req, res) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const send = () => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(chunks));
          };
          if (req.method === "POST" && held) void held.then(send);
          else send();
        });
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  server = await startLangGraphServer({
    ...externalSandboxEnv(sandbox),
    // The providers behind this test's proxy.
    DELEGATE_PROVIDER_BASE_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    DELEGATE_SERVER_TOKENS: `${TOKEN}=alice`,
    DELEGATE_TIMEZONE: "Europe/Berlin",
    // Plain links: user verification on the server is user-verification-server.test.ts's.
    DELEGATE_VERIFY: "off",
    DELEGATE_APPROVALS: "write=ask",
  });
  await sandbox.controls.approve({ userId: "alice" }, "gmail");
});

afterAll(async () => {
  release();
  await server?.stop();
  await new Promise((resolve) => proxy?.close(resolve));
  await sandbox?.close();
});

const sent = () =>
  sandbox.emulators.gmail.inspect("alice").messages.filter((message) => message.labelIds.includes("SENT"))
    .length;

async function stream(thread: string, body: Record<string, unknown>) {
  const chunks = await collect(
    alice().runs.stream(thread, "delegate", {
      streamMode: ["updates"],
      ...body,
    }) as AsyncIterable<StreamChunk>,
  );
  return { errors: errorsOf(chunks), interrupts: interruptsOf(chunks) };
}

describe("a write cut off mid-call on the server", () => {
  it("runs once: resumed again after the run was cancelled, it is reported as maybe sent, not sent twice", async () => {
    const thread = (await alice().threads.create()).thread_id;
    const asked = await stream(thread, {
      input: userMessage("email sam@example.com saying see you at noon"),
    });
    expect(asked.interrupts[0]?.reason).toBe("approval_required");
    const before = sent();
    held = new Promise((resolve) => {
      release = resolve;
    });
    const approve = { command: { resume: { decisions: [{ type: "approve" }] } } };
    const run = await alice().runs.create(thread, "delegate", approve);
    // The email is sent; its answer is held, so the tool has not returned.
    await expect.poll(() => sent(), { timeout: 20_000 }).toBe(before + 1);
    await alice().runs.cancel(thread, run.run_id, true, "interrupt");
    held = undefined;
    release();
    // The cancelled run left the call's task without a result: resuming runs that task again.
    const again = await stream(thread, approve);
    expect(again.errors).toEqual([]);
    expect(sent()).toBe(before + 1);
    const messages = await messagesOf(alice(), thread);
    const result = messages.filter((message) => message.type === "tool").at(-1);
    expect(text(result)).toContain("may already have run");
  });
});
