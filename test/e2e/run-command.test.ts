import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startFakeOpenAI } from "../helpers/fake-openai-server.js";

const ROOT = join(import.meta.dirname, "..", "..");
let dataDir: string;
let scripts: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `delegate run …` from the sources, on the sandbox, with no Scalekit or OpenAI settings. */
function delegateRun(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(SCALEKIT_|OPENAI_|DELEGATE_)/.test(key)) env[key] = value;
  }
  // Empty values also keep a developer's .env from filling them in.
  Object.assign(env, {
    SCALEKIT_ENV_URL: "",
    SCALEKIT_CLIENT_ID: "",
    SCALEKIT_CLIENT_SECRET: "",
    OPENAI_API_KEY: "",
    OPENAI_BASE_URL: "",
    DELEGATE_DATA_DIR: dataDir,
    DELEGATE_TIMEZONE: "Europe/Berlin",
    NO_COLOR: "1",
    ...options.env,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "run", ...args], {
      cwd: ROOT,
      env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

function write(name: string, text: string): string {
  const path = join(scripts, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "delegate-run-data-"));
  scripts = mkdtempSync(join(tmpdir(), "delegate-run-scripts-"));
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scripts, { recursive: true, force: true });
});

describe.concurrent("delegate run", () => {
  it("runs every example offline and meets all their expectations", async ({ expect }) => {
    const examples = readdirSync(join(ROOT, "examples"))
      .filter((name) => name.endsWith(".yaml"))
      .map((name) => join("examples", name));
    expect(examples.length).toBeGreaterThanOrEqual(6);
    const run = await delegateRun(examples);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${examples.length} scripts: ${examples.length} passed`);
    expect(run.stdout).not.toMatch(/^ {2}✗ turn \d+:/m);
    // The transcript shows the consent flow.
    expect(run.stdout).toContain("authorization needed");
    expect(run.stdout).toContain("delegate ›");
  });

  it("exits 1 and shows expected versus actual when an expectation fails", async ({ expect }) => {
    const file = write(
      "failing.yaml",
      `user: alice
sandbox: { connected: [gmail] }
turns:
  - user: email sam@example.com about lunch saying see you at noon
    expect:
      tools:
        - name: gmail_send_message
          args: { to: [bob@example.com] }
      reply: { contains: Sent the email }
`,
    );
    const run = await delegateRun([file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `✗ turn 1: calls gmail_send_message { to: ["bob@example.com"] }  ${file}:7:11`,
    );
    expect(run.stdout).toContain('- expected: gmail_send_message { to: ["bob@example.com"] }');
    expect(run.stdout).toContain('+ actual:   gmail_send_message {"to":["sam@example.com"]');
    expect(run.stdout).toContain('args.to[0]: expected "bob@example.com", got "sam@example.com"');
    expect(run.stdout).toContain('✓ turn 1: reply contains "Sent the email"');
    expect(run.stdout).toContain("1 met, 1 failed");
  });

  it("exits 2 with one located error per invalid script and runs nothing", async ({ expect }) => {
    const files = {
      unknownKey: write("unknown-key.yaml", "user: alice\nturns:\n  - user: hi\n    expct: {}\n"),
      wrongType: write(
        "wrong-type.yaml",
        "user: alice\nturns:\n  - user: hi\n    expect: { not_tools: gmail_send_message }\n",
      ),
      missingTurns: write("missing-turns.yaml", "user: alice\nsandbox: { connected: [gmail] }\n"),
      brokenYaml: write("broken.yaml", 'user: alice\nturns:\n  - user: "unterminated\n'),
      badJson: write("bad.json", '{\n  "user": "alice",\n  "turns": [ { "user": "hi" } ],\n}\n'),
    };
    const run = await delegateRun(Object.values(files));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const errors = run.stderr.split("\n").filter((line) => /^\S+:\d+:\d+: /.test(line));
    expect(errors).toEqual([
      `${files.unknownKey}:4:5: turns[0]: unknown key "expct" (did you mean "expect"?); allowed: user, expect`,
      `${files.wrongType}:4:26: turns[0].expect.not_tools: expected a list, got "gmail_send_message"`,
      `${files.missingTurns}:1:1: script: missing "turns" (a list)`,
      `${files.brokenYaml}:3:11: invalid YAML: Missing closing "quote`,
      `${files.badJson}:4:1: invalid JSON: expected a double-quoted property name, found "}"`,
    ]);
    expect(run.stderr).toContain("5 problems in 5 scripts; nothing was run.");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 3 with the connections and links as JSON when --on-auth fail meets an authorization", async ({
    expect,
  }) => {
    const file = write(
      "needs-auth.yaml",
      "user: alice\nturns:\n  - user: \"email sam@example.com about lunch saying see you at noon and post 'lunch at noon' to #team\"\n",
    );
    const run = await delegateRun([file, "--on-auth", "fail"]);
    expect(run.code).toBe(3);
    const last = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(last).toMatchObject({ type: "authorization-needed", file, turn: 1, user: "alice" });
    expect(last.connections.map((item: { connector: string }) => item.connector)).toEqual(["gmail", "slack"]);
    for (const connection of last.connections) {
      expect(connection.status).toBe("PENDING_AUTH");
      expect(connection.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/magicLink\//);
    }
  });

  it("reads a script from stdin and writes one JSON event per line", async ({ expect }) => {
    const script = `user: bob
turns:
  - user: list my Slack channels
    expect:
      interrupt: { connectors: [slack] }
      tools: [{ name: slack_list_channels, result: success }]
`;
    const run = await delegateRun(["-", "--format", "jsonl"], { stdin: script });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    const events = lines.map((line) => JSON.parse(line) as { type: string; file?: string });
    const types = events.map((event) => event.type);
    expect(types[0]).toBe("script");
    expect(types).toEqual(
      expect.arrayContaining([
        "turn",
        "tool-call",
        "authorization-required",
        "note",
        "tool-result",
        "message",
        "check",
      ]),
    );
    expect(types).not.toContain("text-delta");
    expect(types.at(-1)).toBe("summary");
    expect(events.find((event) => event.type === "script")?.file).toBe("<stdin>");
    expect(
      events
        .filter((event) => event.type === "check")
        .every((event) => (event as { status?: string }).status === "met"),
    ).toBe(true);
    expect(events.at(-1)).toMatchObject({ scripts: 1, passed: 1, met: 2, failed: 0 });
  });

  it("refuses what needs settings or the sandbox, with clear messages", async ({ expect }) => {
    const openai = await delegateRun([join("examples", "slack.yaml"), "--model", "openai"]);
    expect(openai.code).toBe(2);
    expect(openai.stderr).toBe(
      "delegate: --model openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server) in the environment or .env.\n",
    );
    const scalekit = await delegateRun([join("examples", "gmail.yaml")], {
      env: {
        SCALEKIT_ENV_URL: "https://acme.scalekit.invalid",
        SCALEKIT_CLIENT_ID: "skc_x",
        SCALEKIT_CLIENT_SECRET: "sks_x",
      },
    });
    expect(scalekit.code).toBe(2);
    expect(scalekit.stderr).toContain("examples/gmail.yaml:12:11: `approve` needs the sandbox");
    expect(scalekit.stderr).not.toContain("sks_x");
  });

  it("uses the OpenAI settings with --model openai", async ({ expect }) => {
    const fake = await startFakeOpenAI();
    try {
      fake.enqueue(
        { toolCalls: [{ name: "slack_list_channels", args: {} }] },
        { text: "Your channels include #general and #team." },
      );
      const script = `user: carol
sandbox: { connected: [slack] }
turns:
  - user: which Slack channels am I in?
    expect:
      tools: [{ name: slack_list_channels, result: success }]
      reply: { contains: "#team" }
`;
      const run = await delegateRun(["-", "--model", "openai"], {
        stdin: script,
        env: { OPENAI_API_KEY: "sk-test-run", OPENAI_BASE_URL: fake.url },
      });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("2 met");
      expect(run.stdout).not.toContain("sk-test-run");
      expect(fake.requests.length).toBe(2);
      expect(fake.requests[0]?.messages.at(-1)?.content).toBe("which Slack channels am I in?");
    } finally {
      await fake.close();
    }
  });
});
