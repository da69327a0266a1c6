import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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
  return delegate(["run", ...args], options);
}

/** Runs any `delegate` command like {@link delegateRun}. */
function delegate(
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
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
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

// Several CLI processes run at once here; on a loaded 2-core machine the tests that start
// many of them (or run every example) get more than the default minute.
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
  }, 180_000);

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

  const MOVE = `user: alice
timezone: Europe/Berlin
sandbox: { connected: [google-calendar] }
turns:
  - user: schedule lunch with sam@example.com tomorrow at noon
  - user: move my lunch with Sam tomorrow to 1pm
`;

  it("a script stopped for input does not stop the others: they run, the summary counts it, exit 3", async ({
    expect,
  }) => {
    const stops = write("stops.yaml", MOVE);
    const passes = write(
      "passes.yaml",
      "user: bob\nturns:\n  - user: what's on my calendar tomorrow\n    expect: { not_tools: [gmail_send_message] }\n",
    );
    const run = await delegateRun([stops, passes]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("stopped by --on-approval fail");
    expect(run.stdout).toMatch(/2 scripts: 1 passed, 1 stopped for input \(1 expectations? met, 0 failed\)/);
  });

  it("exits 3 with the calls waiting for approval as JSON when no turn decides them (--on-approval fail)", async ({
    expect,
  }) => {
    const file = write("needs-approval.yaml", MOVE);
    const run = await delegateRun([file]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      "Approval needed in turn 2 (google_calendar_update_event); stopped by --on-approval fail:",
    );
    const last = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(last).toMatchObject({ type: "approval-needed", file, turn: 2, user: "alice" });
    expect(last.approvals).toHaveLength(1);
    expect(last.approvals[0]).toMatchObject({
      tool: "google_calendar_update_event",
      connector: "google-calendar",
      effect: "destructive",
      reason: "policy",
      args: { start: expect.stringMatching(/T13:00/) },
    });
    expect(last.approvals[0].toolCallId).toEqual(expect.any(String));
    expect(last.approvals[0].summary).toEqual(expect.any(String));
  });

  it("approves or rejects waiting calls with --on-approval, and says so in the transcript", async ({
    expect,
  }) => {
    const file = write(
      "move-policy.yaml",
      `${MOVE}    expect:
      approval: { tools: [google_calendar_update_event] }
`,
    );
    const approved = await delegateRun([file, "--on-approval", "approve"]);
    expect(approved.stderr).toBe("");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain("· --on-approval approve: approving google_calendar_update_event");
    expect(approved.stdout).toContain("✓ google_calendar_update_event: done");
    expect(approved.stdout).toContain("Moved");

    const rejected = await delegateRun([file, "--on-approval", "reject", "--format", "jsonl"]);
    expect(rejected.stderr).toBe("");
    expect(rejected.code).toBe(0);
    const events = rejected.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; toolName?: string; status?: string; text?: string });
    const result = events.find(
      (event) => event.type === "tool-result" && event.toolName === "google_calendar_update_event",
    );
    expect(result?.status).toBe("error");
    expect(events.find((event) => event.type === "note")?.text).toBe(
      "--on-approval reject: rejecting google_calendar_update_event",
    );
    expect(events.at(-1)).toMatchObject({ type: "summary", failed: 0 });

    const bad = await delegateRun([file, "--on-approval", "maybe"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('delegate: --on-approval must be one of approve, reject, fail, got "maybe".\n');
  }, 180_000);

  it("approve: and reject: turns decide waiting calls, and a wrong tool stops the run with a reason", async ({
    expect,
  }) => {
    const file = write(
      "decide.yaml",
      `${MOVE}  - approve: [google_calendar_update_event]
    expect:
      tools: [{ name: google_calendar_update_event, result: success }]
  - user: cancel my lunch with Sam tomorrow
    expect:
      approval: { tools: [google_calendar_delete_event] }
  - reject: [google_calendar_delete_event]
    reason: I still want to go
    expect:
      tools: [{ name: google_calendar_delete_event, result: error }]
      reply: { contains: I still want to go }
`,
    );
    const run = await delegateRun([file]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("approve › google_calendar_update_event");
    expect(run.stdout).toContain('reject › google_calendar_delete_event ("I still want to go")');
    expect(run.stdout).toContain("4 met");

    const wrong = write("decide-wrong.yaml", `${MOVE}  - approve: [gmail_send_message]\n`);
    const stopped = await delegateRun([wrong]);
    expect(stopped.code).toBe(1);
    expect(stopped.stdout).toContain(
      "`approve`: no call of gmail_send_message is waiting for approval; waiting: google_calendar_update_event",
    );
  }, 180_000);

  it("refuses bad input with one clear line and the documented exit code", async ({ expect }) => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const name of ["b", "c", "d", "e", "f", "g", "h"]) {
      levels.push(
        `${name}: &${name} [${Array(9)
          .fill(`*${levels.at(-1)!.slice(0, 1)}`)
          .join(", ")}]`,
      );
    }
    const bomb = write("bomb.yaml", `user: alice\n${levels.join("\n")}\nturns:\n  - user: hi\n`);
    const run = await delegateRun([bomb]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n")[0]).toBe(
      `${bomb}:3:8: invalid YAML: too many alias expansions (at most 100); write the values out instead of repeating them with *aliases`,
    );
    expect(run.stderr).not.toContain("internal error");
    const mixed = await delegateRun([join("examples", "gmail.yaml")], {
      env: { DELEGATE_CONNECTORS: "-gmail,slack" },
    });
    expect(mixed.code).toBe(2);
    expect(mixed.stdout).toBe("");
    expect(mixed.stderr).toBe(
      "delegate: Invalid configuration:\n  - DELEGATE_CONNECTORS mixes connectors to enable (slack) with exclusions (-gmail); use either a list (gmail,slack) or only exclusions (-notion,-outlook).\n",
    );
  });

  it("makes an unusable DELEGATE_DATA_DIR one configuration error, for run and chat alike", async ({
    expect,
  }) => {
    // Node's recursive mkdir never returns under /proc: this must be one configuration error.
    const unusable =
      'delegate: DELEGATE_DATA_DIR "/proc/nonexistent/x" is not usable (ENOENT); point it at a writable folder.\n';
    for (const args of [["run", join("examples", "gmail.yaml")], ["chat"]]) {
      const result = await delegate(args, {
        stdin: "hi\n",
        env: { DELEGATE_DATA_DIR: "/proc/nonexistent/x" },
      });
      expect(result.code, args[0]).toBe(2);
      expect(result.stderr, args[0]).toBe(unusable);
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

  it("at DELEGATE_LOG_LEVEL=debug logs what an operator needs, and never the API key", async ({ expect }) => {
    const fake = await startFakeOpenAI();
    const logDir = mkdtempSync(join(tmpdir(), "delegate-run-debug-"));
    const canary = "sk-CANARY-debug-7f3a";
    try {
      fake.enqueue(
        { toolCalls: [{ name: "slack_list_channels", args: {} }] },
        { text: "Your channels include #general and #team." },
      );
      // Not connected: the gate asks, the runner consents (--on-auth approve), the thread resumes.
      const script = `user: dora
turns:
  - user: which Slack channels am I in?
    expect:
      interrupt: { connectors: [slack] }
      tools: [{ name: slack_list_channels, result: success }]
`;
      const run = await delegateRun(["-", "--model", "openai"], {
        stdin: script,
        env: {
          OPENAI_API_KEY: canary,
          OPENAI_BASE_URL: fake.url,
          DELEGATE_LOG_LEVEL: "debug",
          DELEGATE_DATA_DIR: logDir,
        },
      });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const log = readFileSync(join(logDir, "logs", "delegate.log"), "utf8");
      const debug = log
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((line) => line.level === 20)
        .map((line) => line.msg);
      expect(debug).toEqual(expect.arrayContaining(["gate: asking", "gate: decided"]));
      for (const file of readdirSync(logDir, { recursive: true }) as string[]) {
        const path = join(logDir, file);
        if (statSync(path).isFile()) {
          expect(readFileSync(path).toString("latin1").includes(canary), `key leaked into ${file}`).toBe(
            false,
          );
        }
      }
      expect(run.stdout).not.toContain(canary);
    } finally {
      await fake.close();
      rmSync(logDir, { recursive: true, force: true });
    }
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
