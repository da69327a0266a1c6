import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli, tempDataDir } from "../helpers/cli-process.js";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai-server.js";

/**
 * What the chat loads before its first prompt, seen by a module-loader hook (given through
 * NODE_OPTIONS, so it sees every module) in the CLI's own process: the OpenAI client and the
 * PostgreSQL driver load only when configured. The CLI runs from the sources here; the bundle
 * keeps the same split, as it splits at every dynamic import.
 */
let hooks: string;
let openai: FakeOpenAI;

beforeAll(async () => {
  hooks = mkdtempSync(join(tmpdir(), "delegate-load-hooks-"));
  writeFileSync(
    join(hooks, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function load(url, context, nextLoad) {
  appendFileSync(process.env.DELEGATE_TEST_LOADED, url + "\\n");
  return nextLoad(url, context);
}
`,
  );
  writeFileSync(
    join(hooks, "register.mjs"),
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(hooks, "hooks.mjs")).href)});\n`,
  );
  openai = await startFakeOpenAI();
});

afterAll(async () => {
  await openai.close();
  rmSync(hooks, { recursive: true, force: true });
});

/** Starts `delegate chat`, waits for its banner, ends it, and lists the modules it loaded. */
async function loadedBeforeExit(env: Record<string, string>): Promise<string[]> {
  const dataDir = tempDataDir("delegate-startup-");
  const loaded = join(dataDir, "loaded.txt");
  writeFileSync(loaded, "");
  try {
    const cli = spawnCli(["chat"], { dataDir, env: { ...env, DELEGATE_TEST_LOADED: loaded } });
    await cli.waitFor("Delegate", { timeoutMs: 30_000 });
    cli.writeLine("/exit");
    const { code } = await cli.exited;
    expect(code, cli.stderr()).toBe(0);
    return readFileSync(loaded, "utf8").split("\n").filter(Boolean);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const OPENAI_CLIENT = /\/node_modules\/(@langchain\/openai|openai)\//;
const POSTGRES = /\/node_modules\/(pg|pg-pool|pg-protocol)\//;

describe("delegate chat start-up", () => {
  it("loads neither the OpenAI client nor the PostgreSQL driver on the offline demo model", async () => {
    const loaded = await loadedBeforeExit({ NODE_OPTIONS: `--import=${join(hooks, "register.mjs")}` });
    // The hook saw the CLI itself, so an empty match below means "not loaded", not "not seen".
    expect(loaded.some((url) => url.endsWith("/src/cli/main.ts"))).toBe(true);
    expect(loaded.filter((url) => OPENAI_CLIENT.test(url))).toEqual([]);
    expect(loaded.filter((url) => POSTGRES.test(url))).toEqual([]);
  });

  it("loads the OpenAI client when a model is configured", async () => {
    const loaded = await loadedBeforeExit({
      NODE_OPTIONS: `--import=${join(hooks, "register.mjs")}`,
      OPENAI_API_KEY: "sk-startup",
      OPENAI_BASE_URL: openai.url,
    });
    expect(loaded.some((url) => OPENAI_CLIENT.test(url))).toBe(true);
  });
});
