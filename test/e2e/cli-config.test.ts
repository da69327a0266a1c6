/**
 * The real CLI's handling of its configuration and data folder: file modes, `~` in paths, config
 * errors and notes, a busy `--port`, and which thread it remembers. Child processes only.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, spawnCli, tempDataDir } from "../helpers/cli-process.js";

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("the data folder", () => {
  it("is created 0700, with the database, its -wal/-shm and the log 0600", async () => {
    const home = tempDataDir();
    const dataDir = join(home, "data");
    const cli = spawnCli(["chat"], { dataDir: home, env: { DELEGATE_DATA_DIR: dataDir } });
    // While the REPL runs the database is open, so its -wal and -shm files exist.
    await cli.waitFor("Type a request");
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, "logs"))).toBe(0o700);
    expect(modeOf(join(dataDir, "logs", "delegate.log"))).toBe(0o600);
    const database = join(dataDir, "delegate.sqlite");
    for (const file of [database, `${database}-wal`, `${database}-shm`]) expect(modeOf(file)).toBe(0o600);
    expect(modeOf(join(dataDir, "verification.key"))).toBe(0o600);
    cli.writeLine("/exit");
    cli.endInput();
    expect((await cli.exited).code).toBe(0);
    expect(cli.stderr()).toBe("");
  });
});

describe("~ in DELEGATE_DATA_DIR", () => {
  it("is the home folder, as in a shell, not a folder named ~ in the working directory", async () => {
    const home = tempDataDir();
    const cwd = tempDataDir();
    const result = await runCli(["chat"], {
      dataDir: cwd,
      env: { HOME: home, DELEGATE_DATA_DIR: "~/foo" },
      input: "/exit\n",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}data {4}~\/foo$/m);
    expect(existsSync(join(home, "foo", "delegate.sqlite"))).toBe(true);
    expect(existsSync(join(cwd, "~"))).toBe(false);
  });
});

describe("configuration errors", () => {
  it("name every problem of DELEGATE_APPROVALS at once, exit code 2", async () => {
    const result = await runCli(["chat"], {
      dataDir: tempDataDir(),
      env: { DELEGATE_APPROVALS: "write=maybe,foo_tool=allow" },
      input: "/exit\n",
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('DELEGATE_APPROVALS entry "write=maybe"');
    expect(result.stderr).toContain('DELEGATE_APPROVALS names "foo_tool"');
  });

  it("give a model-server example for a bad OPENAI_BASE_URL", async () => {
    const result = await runCli(["chat"], {
      dataDir: tempDataDir(),
      env: { OPENAI_BASE_URL: "notaurl" },
      input: "/exit\n",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("OPENAI_BASE_URL must be an http(s) URL, e.g. http://127.0.0.1:11434/v1");
    expect(result.stderr).not.toContain("scalekit.dev");
  });
});

describe("OPENAI_MODEL without OPENAI_API_KEY or OPENAI_BASE_URL", () => {
  it("gets a one-line note at startup that it has no effect", async () => {
    const result = await runCli(["chat"], {
      dataDir: tempDataDir(),
      env: { OPENAI_MODEL: "llama3.1" },
      input: "/exit\n",
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      "delegate: note: OPENAI_MODEL (llama3.1) has no effect without OPENAI_API_KEY or OPENAI_BASE_URL: the offline demo model answers. Set one of them, or unset OPENAI_MODEL.\n",
    );
    expect(result.stdout).toContain("offline demo model");
  });
});

describe("delegate sandbox --port", () => {
  it("says a busy port is in use, in one line with exit code 2", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const result = await runCli(["sandbox", "--port", String(port)], { dataDir: tempDataDir() });
      expect(result.stderr).toBe(
        `delegate: port ${port} is in use; choose another with --port, or leave --port out for a free one.\n`,
      );
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});

describe("the remembered last thread", () => {
  const chat = (dataDir: string, args: string[], input: string) =>
    runCli(["chat", "--user", "rex", ...args], { dataDir, input });
  const bannerThread = (stdout: string) => stdout.match(/^ {2}thread +(\S+)( \(new\))?/m);
  const chatState = (dataDir: string) => {
    const path = join(dataDir, "chat-state.json");
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  };

  it("is not a mistyped --thread nothing was sent on", async () => {
    const dataDir = tempDataDir();
    const typo = await chat(dataDir, ["--thread", "nope"], "/exit\n");
    expect(typo.code).toBe(0);
    expect(typo.stdout).toContain('No thread "nope" of user rex yet');
    expect(chatState(dataDir)).not.toContain("nope");
    const plain = await chat(dataDir, [], "/exit\n");
    expect(bannerThread(plain.stdout)?.[1]).not.toBe("nope");
    expect(bannerThread(plain.stdout)?.[2]).toBe(" (new)");
  });

  it("stays the thread used when /new is left without sending", async () => {
    const dataDir = tempDataDir();
    const used = await chat(dataDir, ["--thread", "kept"], "hello\n");
    expect(used.code).toBe(0);
    expect(JSON.parse(chatState(dataDir)).lastThread).toEqual({ rex: "kept" });
    const fresh = await chat(dataDir, [], "/new\n/exit\n");
    expect(bannerThread(fresh.stdout)?.slice(1)).toEqual(["kept", undefined]);
    const again = await chat(dataDir, [], "/exit\n");
    expect(bannerThread(again.stdout)?.slice(1)).toEqual(["kept", undefined]);
    expect(again.stdout).toMatch(/^ {2}thread +kept \(continued/m);
  });

  it("is replaced by a fresh thread once it is gone (/forget)", async () => {
    const dataDir = tempDataDir();
    await chat(dataDir, ["--thread", "gone"], "hello\n");
    const forget = await chat(dataDir, [], "/forget yes\n/exit\n");
    expect(forget.stdout).toContain("Forgot thread gone.");
    const next = await chat(dataDir, [], "/exit\n");
    expect(bannerThread(next.stdout)?.[1]).toMatch(/^t-[0-9a-f]+$/);
    expect(bannerThread(next.stdout)?.[2]).toBe(" (new)");
  });
});
