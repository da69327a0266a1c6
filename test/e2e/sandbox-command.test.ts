import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ScalekitClient } from "@scalekit-sdk/node";
import { describe, expect, it } from "vitest";
import { startWebhookReceiver } from "../helpers/webhook-receiver.js";

const CLI = ["--import", "tsx", "src/cli/main.ts"];

/** The environment of a fresh shell: no Scalekit or OpenAI settings, a private data dir. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DELEGATE_DATA_DIR: mkdtempSync(join(tmpdir(), "delegate-cli-")),
  };
  for (const key of Object.keys(env)) if (/^(SCALEKIT_|OPENAI_)/.test(key)) delete env[key];
  return { ...env, ...extra };
}

describe("delegate sandbox", () => {
  it("--json prints one line the real ScalekitClient can use, posts webhooks, and stops on SIGTERM", async () => {
    const receiver = await startWebhookReceiver();
    const child = spawn(process.execPath, [...CLI, "sandbox", "--json", "--webhook-url", receiver.url], {
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no JSON line")), 20_000);
        createInterface({ input: child.stdout }).once("line", (text) => {
          clearTimeout(timer);
          resolve(text);
        });
      });
      const info = JSON.parse(line) as {
        url: string;
        clientId: string;
        clientSecret: string;
        webhookSecret: string;
      };
      expect(Object.keys(info)).toEqual(expect.arrayContaining(["url", "clientId", "clientSecret"]));
      const client = new ScalekitClient(info.url, info.clientId, info.clientSecret);
      const created = await client.connectedAccounts.getOrCreateConnectedAccount({
        connector: "gmail",
        identifier: "cli-user",
      });
      expect(created.connectedAccount?.status).toBe(3);
      const link = await client.connectedAccounts.getMagicLinkForConnectedAccount({
        connector: "gmail",
        identifier: "cli-user",
      });
      await fetch(link.link, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "decision=allow",
      });
      const hook = await receiver.next(10_000);
      expect(
        client.verifyWebhookPayload(info.webhookSecret, hook.headers as Record<string, string>, hook.body),
      ).toBe(true);
      expect(JSON.parse(hook.body)).toMatchObject({
        type: "connected_account.status_updated",
        data: { status: "ACTIVE" },
      });
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      await receiver.close();
    }
    expect(child.exitCode).toBe(0);
  }, 60_000);

  it("prints, ready to paste, every variable another process needs to use it", async () => {
    const child = spawn(process.execPath, [...CLI, "sandbox"], {
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const lines: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "Press Ctrl+C" in:\n${lines.join("\n")}`)),
          20_000,
        );
        createInterface({ input: child.stdout }).on("line", (text) => {
          lines.push(text);
          if (text.startsWith("Press Ctrl+C")) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const env = Object.fromEntries(
        lines.flatMap((line) => {
          const match = /^\s+([A-Z_]+)=(\S+)$/.exec(line);
          return match ? [[match[1], match[2]]] : [];
        }),
      );
      expect(Object.keys(env).sort()).toEqual([
        "DELEGATE_PROVIDER_BASE_URL",
        "SCALEKIT_CLIENT_ID",
        "SCALEKIT_CLIENT_SECRET",
        "SCALEKIT_ENV_URL",
        "SCALEKIT_WEBHOOK_SECRET",
      ]);
      // The provider URL is the emulators': Gmail's API answers there (401 without a token).
      const gmail = await fetch(`${env.DELEGATE_PROVIDER_BASE_URL}/gmail/v1/users/me/profile`);
      expect(gmail.status).toBe(401);
      expect(env.SCALEKIT_WEBHOOK_SECRET).toMatch(/^whsec_/);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }, 60_000);

  it("rejects a bad port with one line and exit code 2", () => {
    const result = spawnSync(process.execPath, [...CLI, "sandbox", "--port", "99999"], {
      env: cleanEnv(),
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("--port");
  });
});

describe("configuration errors at the CLI", () => {
  it("names every missing Scalekit variable once, exits 2, and never prints the secret or a stack", () => {
    const secret = "sks_CANARY_cli_secret_42";
    const result = spawnSync(process.execPath, [...CLI, "chat"], {
      env: cleanEnv({ SCALEKIT_CLIENT_SECRET: secret, DELEGATE_LOG_LEVEL: "loud" }),
      encoding: "utf8",
      input: "",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("SCALEKIT_ENV_URL is missing");
    expect(result.stderr).toContain("SCALEKIT_CLIENT_ID is missing");
    expect(result.stderr).toContain("DELEGATE_LOG_LEVEL must be one of");
    expect(result.stderr + result.stdout).not.toContain(secret);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("rejects an unknown command with exit code 2", () => {
    const result = spawnSync(process.execPath, [...CLI, "dance"], { env: cleanEnv(), encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('delegate: Unknown command "dance". Run "delegate --help".');
  });
});
