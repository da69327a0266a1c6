/**
 * Starts Delegate behind LangGraph's own server (`@langchain/langgraph-api` startServer, the same
 * code `langgraphjs dev` runs) in a child process (`node --import tsx`, which loads the `.ts`
 * graph, auth handler and routes), and the helpers the langgraph-server tests drive it with: the
 * official `@langchain/langgraph-sdk` Client with bearer tokens, stream collection, interrupts.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { expect } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");

// Runs in the child: the programmatic server with the graphs and auth from langgraph.json.
const LAUNCHER = `
import { startServer } from "@langchain/langgraph-api/server";
const options = JSON.parse(process.argv.at(-1));
const { cleanup } = await startServer(options);
const stop = async () => { await cleanup(); process.exit(0); };
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
`;

export interface StreamChunk {
  event: string;
  data: unknown;
}

export interface SerializedMessage {
  type?: string;
  content?: unknown;
  tool_calls?: unknown[];
  tool_call_id?: string;
  status?: string;
}

export interface AuthorizationValue {
  type: string;
  requests: { connector: string; connection: string; status: string; url: string; toolCallIds: string[] }[];
  approvals: {
    toolCallId: string;
    tool: string;
    effect: string;
    summary: string;
    args: Record<string, unknown>;
    reason: string;
  }[];
  message: string;
  description: string;
  reason: string;
  action_requests: { name: string; args: Record<string, unknown>; description: string }[];
  review_configs: { action_name: string; allowed_decisions: string[] }[];
}

export interface RunningServer {
  apiUrl: string;
  log(): string;
  stop(): Promise<void>;
}

export interface ServerParts {
  /** The auth handler of langgraph.json (default true). */
  auth?: boolean;
  /** The custom routes of langgraph.json (`/delegate/verify`, `/delegate/webhooks/scalekit`); default false. */
  http?: boolean;
}

const OFFLINE_ENV = {
  LANGSMITH_TRACING: "false",
  LANGCHAIN_TRACING_V2: "false",
  LANGGRAPH_CLI_NO_ANALYTICS: "1",
  BROWSER: "none",
};

async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

export function client(apiUrl: string, token?: string): Client {
  return new Client({
    apiUrl,
    apiKey: null,
    callerOptions: { maxRetries: 0 },
    ...(token ? { defaultHeaders: { Authorization: `Bearer ${token}` } } : {}),
  });
}

export async function collect(stream: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

export function interruptsOf(chunks: StreamChunk[]): AuthorizationValue[] {
  return chunks.flatMap((chunk) => {
    if (chunk.event !== "updates") return [];
    const update = chunk.data as { __interrupt__?: { value: AuthorizationValue }[] };
    return (update.__interrupt__ ?? []).map((entry) => entry.value);
  });
}

export function errorsOf(chunks: StreamChunk[]): unknown[] {
  return chunks.filter((chunk) => chunk.event === "error").map((chunk) => chunk.data);
}

export function text(message: SerializedMessage | undefined): string {
  if (!message) return "";
  if (typeof message.content === "string") return message.content;
  return JSON.stringify(message.content);
}

export async function messagesOf(api: Client, threadId: string): Promise<SerializedMessage[]> {
  const state = await api.threads.getState<{ messages: SerializedMessage[] }>(threadId);
  return state.values.messages;
}

export async function statusOf(error: unknown): Promise<number | undefined> {
  return (error as { status?: number }).status;
}

export async function expectHttpError(promise: Promise<unknown>, statuses: number[]): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected the request to fail").toBeDefined();
  expect(statuses, String((caught as Error)?.message)).toContain(await statusOf(caught));
}

export const userMessage = (content: string) => ({ messages: [{ role: "user", content }] });

/** Where the server will run, for an environment that names it (`LANGGRAPH_API_URL`, a data dir). */
export interface ServerPlace {
  apiUrl: string;
  workDir: string;
}

/**
 * Starts the server in a child process with exactly `env` (plus PATH/HOME and the offline
 * switches), state in a fresh temp directory, and waits until `GET /ok` answers.
 */
export async function startLangGraphServer(
  envOrFor: Record<string, string> | ((place: ServerPlace) => Record<string, string>),
  { auth = true, http = false }: ServerParts = {},
): Promise<RunningServer> {
  const workDir = await mkdtemp(join(tmpdir(), "delegate-langgraph-"));
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const env = typeof envOrFor === "function" ? envOrFor({ apiUrl, workDir }) : envOrFor;
  const options = {
    port,
    nWorkers: 2,
    host: "127.0.0.1",
    // A temp cwd keeps `.langgraph_api/` state out of the repository; graph paths are absolute.
    cwd: workDir,
    graphs: { delegate: `${join(REPO, "src/server/graph.ts")}:delegate` },
    ...(auth
      ? { auth: { path: `${join(REPO, "src/server/auth.ts")}:auth`, disable_studio_auth: true } }
      : {}),
    ...(http ? { http: { app: `${join(REPO, "src/server/verify-route.ts")}:app` } } : {}),
  };
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", LAUNCHER, JSON.stringify(options)],
    {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...OFFLINE_ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let log = "";
  child.stdout?.on("data", (data: Buffer) => {
    log += data.toString();
  });
  child.stderr?.on("data", (data: Buffer) => {
    log += data.toString();
  });
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      process.kill(child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((done) => setTimeout(done, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, "SIGKILL");
    }
    await rm(workDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`server exited early:\n${log}`);
    }
    const ok = await fetch(`${apiUrl}/ok`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server not ready after 30 s:\n${log}`);
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  return { apiUrl, log: () => log, stop };
}
