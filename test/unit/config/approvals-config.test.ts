import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/env-config.js";
import { isDelegateError } from "../../../src/errors.js";

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
