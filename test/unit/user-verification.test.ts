/**
 * The pieces of user verification that need no service: the signed state, the key file, the
 * configuration, and how PENDING_VERIFICATION reads in the REPL and in the model's prompt.
 */
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSystemPrompt } from "../../src/agent/system-prompt.js";
import { loadVerificationKey } from "../../src/auth/verification-key.js";
import { audienceOf, VerificationStateSigner } from "../../src/auth/verification-state.js";
import { connectionLines } from "../../src/cli/chat/banner.js";
import { terminalStyle } from "../../src/cli/chat/render.js";
import { loadConfig } from "../../src/config/env-config.js";
import { isDelegateError } from "../../src/errors.js";
import { resolveServerSettings } from "../../src/server/server-settings.js";
import {
  signPayload,
  statePayload,
  TEST_VERIFY_SECRET,
  tamperedState,
} from "../helpers/user-verification.js";

const audience = audienceOf("http://127.0.0.1:9/verify");
const binding = { identity: { userId: "alice" }, connection: "gmail", thread: "/alice/t-1", audience };

describe("the signed state", () => {
  const signer = new VerificationStateSigner(TEST_VERIFY_SECRET);

  it("opens what it signed: user, organization, connection, thread, expiry and a fresh nonce", () => {
    const { state, claims } = signer.sign(binding);
    expect(signer.open(state)).toEqual({ ok: true, claims });
    expect(claims.expiresAt - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(signer.sign(binding).claims.nonce).not.toBe(claims.nonce);
    const org = signer.sign({
      identity: { userId: "bob", organizationId: "acme" },
      connection: "slack",
      audience,
    });
    expect(signer.open(org.state)).toMatchObject({
      ok: true,
      claims: { identity: { userId: "bob", organizationId: "acme" }, connection: "slack" },
    });
    expect(statePayload(org.state).t).toBeUndefined();
  });

  it("refuses a changed payload, a changed signature, another secret, an expired state and junk", () => {
    const { state } = signer.sign(binding);
    expect(signer.open(tamperedState(state, { u: "mallory" }))).toEqual({ ok: false, reason: "forged" });
    expect(signer.open(tamperedState(state, { e: Date.now() + 10 * 3600_000 }))).toEqual({
      ok: false,
      reason: "forged",
    });
    expect(signer.open(`${state.slice(0, -3)}abc`)).toEqual({ ok: false, reason: "forged" });
    expect(new VerificationStateSigner(Buffer.alloc(32, 7)).open(state)).toEqual({
      ok: false,
      reason: "forged",
    });
    const old = new VerificationStateSigner(TEST_VERIFY_SECRET, { now: () => Date.now() - 61 * 60_000 });
    expect(signer.open(old.sign(binding).state)).toEqual({ ok: false, reason: "expired" });
    for (const junk of [undefined, 42, "", "d1", "d2.a.b", "x.y.z", `d1.${"a".repeat(3000)}.b`]) {
      expect(signer.open(junk)).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("refuses a validly signed state without an audience: it would pass any verify route", () => {
    const payload = { ...statePayload(signer.sign(binding).state) };
    expect(signer.open(signPayload(TEST_VERIFY_SECRET, payload))).toMatchObject({ ok: true });
    delete payload.a;
    expect(signer.open(signPayload(TEST_VERIFY_SECRET, payload))).toEqual({ ok: false, reason: "malformed" });
  });

  it("needs a secret of 32 bytes or more", () => {
    expect(() => new VerificationStateSigner("too short")).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
  });
});

describe("the key file", () => {
  it("is created once (mode 0600) and read back; a loosened file is tightened; garbage is one clear error", () => {
    const dir = mkdtempSync(join(tmpdir(), "delegate-key-"));
    const path = join(dir, "nested", "verification.key");
    const key = loadVerificationKey(path);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadVerificationKey(path)).toBe(key);
    chmodSync(path, 0o644);
    expect(loadVerificationKey(path)).toBe(key);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8").trim()).toBe(key);

    const bad = join(dir, "bad.key");
    writeFileSync(bad, "not a key\n", { mode: 0o600 });
    let error: unknown;
    try {
      loadVerificationKey(bad);
    } catch (caught) {
      error = caught;
    }
    expect(isDelegateError(error, "CONFIG_INVALID")).toBe(true);
    expect((error as Error).message).toContain("DELEGATE_VERIFY=off");
  });
});

describe("configuration", () => {
  it("DELEGATE_VERIFY is on by default, off when asked; a wrong value is one clear problem", () => {
    expect(loadConfig({}).verify).toBe("on");
    expect(loadConfig({ DELEGATE_VERIFY: "off" }).verify).toBe("off");
    expect(
      loadConfig({ DELEGATE_VERIFY_URL: "https://delegate.example.com/delegate/verify" }).verifyUrl,
    ).toBe("https://delegate.example.com/delegate/verify");
    expect(() => loadConfig({ DELEGATE_VERIFY: "maybe", DELEGATE_VERIFY_URL: "ftp://x" })).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: expect.stringMatching(
          /DELEGATE_VERIFY must be on[\s\S]*DELEGATE_VERIFY_URL must be an http/,
        ),
      }),
    );
  });
});

describe("the LangGraph server's verify URL", () => {
  it("follows LANGGRAPH_API_URL or DELEGATE_VERIFY_URL; with verification on and neither, the server refuses to start", () => {
    expect(resolveServerSettings(loadConfig({ LANGGRAPH_API_URL: "http://127.0.0.1:2124/" })).verifyUrl).toBe(
      "http://127.0.0.1:2124/delegate/verify",
    );
    expect(
      resolveServerSettings(
        loadConfig({
          LANGGRAPH_API_URL: "http://127.0.0.1:2124",
          DELEGATE_VERIFY_URL: "https://delegate.example.com/delegate/verify",
        }),
      ).verifyUrl,
    ).toBe("https://delegate.example.com/delegate/verify");
    expect(resolveServerSettings(loadConfig({ DELEGATE_VERIFY: "off" })).verifyUrl).toBeUndefined();
    // Not a silent fall-back to bearer links: one clear error, naming the variable and the way out.
    expect(() => resolveServerSettings(loadConfig({}))).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: expect.stringMatching(
          /Set DELEGATE_VERIFY_URL to it \(e\.g\. https:\/\/[^)]+\/delegate\/verify\), or set DELEGATE_VERIFY=off/,
        ),
      }),
    );
  });
});

describe("PENDING_VERIFICATION where statuses are shown", () => {
  it("the REPL's /connections says consent was given but not verified", () => {
    const style = terminalStyle({ input: {}, output: {} }, { color: "never" });
    const lines = connectionLines(
      style,
      "alice",
      [{ connector: "gmail", displayName: "Gmail", connection: "gmail", status: "PENDING_VERIFICATION" }],
      () => undefined,
    );
    expect(lines).toContain("  ○ Gmail  consent given, not verified (connect again from this computer)");
  });

  it("the model's prompt says so too, and that its tools will ask the user to finish", () => {
    const prompt = renderSystemPrompt("{{connectionStatus}}", {
      now: new Date(),
      timeZone: "UTC",
      connectors: ["gmail"],
      statuses: new Map([["gmail", "PENDING_VERIFICATION"]]),
    });
    expect(prompt).toBe(
      "- Gmail: consent given but not verified yet (calling its tools will ask the user to finish connecting)",
    );
  });
});
