import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CONNECTOR_IDS, type ConnectorId } from "../../src/index.js";

export interface SandboxProcess {
  settings: { environmentUrl: string; clientId: string; clientSecret: string };
  providerBaseUrls: Record<ConnectorId, string>;
  webhookSecret: string;
  approve(userId: string, connector: ConnectorId): Promise<void>;
  /** Scalekit calls since the last reset, by method. */
  calls(): Promise<Record<string, number>>;
  resetCalls(): Promise<void>;
  close(): Promise<void>;
}

/** Starts `bench/helpers/sandbox-process.ts` in a child process (webhooks to `webhookUrls`). */
export async function startSandboxProcess(webhookUrls: string[] = []): Promise<SandboxProcess> {
  const script = fileURLToPath(new URL("./sandbox-process.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script, ...webhookUrls], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the sandbox process exited (${code})`)));
  });
  const info = JSON.parse(line) as {
    settings: SandboxProcess["settings"];
    providerUrl: string;
    webhookSecret: string;
    control: string;
  };
  const post = async (path: string, body?: unknown) => {
    const response = await fetch(`${info.control}${path}`, {
      method: "POST",
      ...(body ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  };
  return {
    settings: info.settings,
    providerBaseUrls: Object.fromEntries(CONNECTOR_IDS.map((id) => [id, info.providerUrl])) as Record<
      ConnectorId,
      string
    >,
    webhookSecret: info.webhookSecret,
    approve: (userId, connector) => post("/approve", { userId, connector }),
    calls: async () => (await (await fetch(`${info.control}/calls`)).json()) as Record<string, number>,
    resetCalls: () => post("/calls/reset"),
    async close() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

let gc: (() => void) | undefined;

/** The heap in use after a full collection, in MB. */
export function heapMb(): number {
  if (!gc) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Runs `work` for each index with at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

export function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
