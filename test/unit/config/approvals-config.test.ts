import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/env-config.js";
import { isDelegateError } from "../../../src/errors.js";

function configErrorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (isDelegateError(error, "CONFIG_INVALID")) return error.message;
    throw error;
  }
  throw new Error("expected a CONFIG_INVALID error");
}

describe("DELEGATE_APPROVALS and SCALEKIT_IDENTITY_FIELDS", () => {
  it("reads an approval policy, and names each bad entry", () => {
    expect(
      loadConfig({ DELEGATE_APPROVALS: "write=ask, destructive=ask,gmail_create_draft=allow" }).approvals,
    ).toEqual({
      write: "ask",
      destructive: "ask",
      gmail_create_draft: "allow",
    });
    let error: unknown;
    try {
      loadConfig({ DELEGATE_APPROVALS: "write=maybe,send" });
    } catch (caught) {
      error = caught;
    }
    expect(isDelegateError(error, "CONFIG_INVALID")).toBe(true);
    expect((error as Error).message).toContain('DELEGATE_APPROVALS entry "write=maybe"');
    expect((error as Error).message).toContain('DELEGATE_APPROVALS entry "send"');
  });

  it("reports a bad mode and an unknown tool name in one error, with the fix for each", () => {
    const message = configErrorOf({ DELEGATE_APPROVALS: "write=maybe,foo_tool=allow,gmail_sendmessage=ask" });
    expect(message).toContain(
      'DELEGATE_APPROVALS entry "write=maybe": the mode must be one of allow, ask, deny, auto',
    );
    expect(message).toContain(
      'DELEGATE_APPROVALS names "foo_tool", which is neither an effect (read, write, destructive) nor a Delegate tool; use a tool name',
    );
    expect(message).toContain('"gmail_sendmessage"');
    expect(message).toContain("did you mean gmail_send_message?");
    // …together with the other variables' problems.
    expect(configErrorOf({ DELEGATE_APPROVALS: "foo_tool=allow", DELEGATE_MAX_MODEL_CALLS: "-1" })).toMatch(
      /foo_tool[\s\S]*DELEGATE_MAX_MODEL_CALLS/,
    );
  });

  it("says when a tool's connector is left out, and leaves catalog tool names to the catalog", () => {
    expect(
      configErrorOf({ DELEGATE_APPROVALS: "notion_create_page=allow", DELEGATE_CONNECTORS: "-notion" }),
    ).toContain(
      "DELEGATE_APPROVALS names notion_create_page, a tool of notion, which DELEGATE_CONNECTORS leaves out; drop the entry or enable notion.",
    );
    expect(
      loadConfig({ DELEGATE_APPROVALS: "gmail_fetch_mails=ask", DELEGATE_TOOLS: "catalog" }).approvals,
    ).toEqual({ gmail_fetch_mails: "ask" });
    // A bad DELEGATE_CONNECTORS is one problem, not one more per approval entry.
    const message = configErrorOf({
      DELEGATE_APPROVALS: "gmail_get_message=allow",
      DELEGATE_CONNECTORS: "gmial",
    });
    expect(message).toContain('DELEGATE_CONNECTORS names unknown connector(s) "gmial"');
    expect(message).not.toContain("DELEGATE_APPROVALS");
  });

  it("sends Scalekit's organization and user fields unless told not to", () => {
    const scalekit = {
      SCALEKIT_ENV_URL: "https://acme.scalekit.dev",
      SCALEKIT_CLIENT_ID: "skc_1",
      SCALEKIT_CLIENT_SECRET: "secret-canary",
    };
    expect(loadConfig(scalekit).scalekit?.identityFields).toBeUndefined();
    expect(loadConfig({ ...scalekit, SCALEKIT_IDENTITY_FIELDS: "off" }).scalekit?.identityFields).toBe(false);
    expect(() => loadConfig({ ...scalekit, SCALEKIT_IDENTITY_FIELDS: "no" })).toThrow(
      /SCALEKIT_IDENTITY_FIELDS must be on/,
    );
  });
});
