import { describe, expect, it } from "vitest";
import { redactingLogger, redactLogObject, scrubSecrets } from "../../src/log-redaction.js";

const CANARY = "canary-client-secret-7f3a";

describe("log redaction (the CLI's log file and the LangGraph server's logger)", () => {
  it("censors secret-named values at any depth and secret patterns in any text", () => {
    const logged = redactLogObject(
      {
        userId: "alice",
        headers: { authorization: "Bearer abc.def" },
        credentials: {
          accessToken: "ya29.token",
          refreshToken: "r",
          nested: [{ clientSecret: "x", apiKey: "k" }],
        },
        error: `upstream said: Bearer ya29.leaked and sk-abcdefghijklmnop, whsec_QUJD and ${CANARY}`,
      },
      [CANARY],
    );
    const text = JSON.stringify(logged);
    for (const secret of [
      "abc.def",
      "ya29.token",
      '"r"',
      '"x"',
      '"k"',
      "ya29.leaked",
      "sk-abcdefghijklmnop",
      "whsec_QUJD",
      CANARY,
    ])
      expect(text).not.toContain(secret);
    expect(logged).toMatchObject({ userId: "alice", headers: { authorization: "[redacted]" } });
    expect(scrubSecrets(`client_secret=${CANARY}&x=1`)).toBe("client_secret=[redacted]&x=1");
  });

  it("censors OAuth's snake_case and header spellings, and a configured secret JSON had to escape", () => {
    const quoted = 'canary"secret\\9f2b';
    const logged = JSON.stringify(
      redactLogObject(
        {
          body: { access_token: "tok-a", refresh_token: "tok-r", id_token: "tok-i", client_secret: "cs-1" },
          headers: { "X-Api-Key": "key-1", Cookie: "sid=1", "set-cookie": "sid=2" },
          note: `the value was ${quoted}`,
        },
        [quoted],
      ),
    );
    for (const secret of ["tok-a", "tok-r", "tok-i", "cs-1", "key-1", "sid=1", "sid=2", "9f2b"]) {
      expect(logged).not.toContain(secret);
    }
    // Keys that merely contain a secret word stay: a page token is a cursor.
    expect(redactLogObject({ pageToken: "p2", tokenExpiresAt: "2026" })).toEqual({
      pageToken: "p2",
      tokenExpiresAt: "2026",
    });
  });

  it("keeps what is not secret, and copes with what cannot be serialized", () => {
    expect(redactLogObject({ threadId: "t1", count: 3 })).toEqual({ threadId: "t1", count: 3 });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(redactLogObject(loop)).toBe("[unserializable]");
  });
});

describe("a redacting logger wrapped again (the CLI's file logger handed to the runtime)", () => {
  it("redacts once over the same target, with the secrets of both", () => {
    const lines: unknown[] = [];
    const record = (object: Record<string, unknown>, message?: string) => void lines.push([object, message]);
    const target = { error: record, warn: record, info: record, debug: record };
    const outer = redactingLogger(redactingLogger(target, ["first-canary-1"]), ["second-canary-2"]);
    outer.warn({ detail: "first-canary-1 and second-canary-2" }, "said first-canary-1, second-canary-2");
    outer.info({ plain: true });
    expect(lines).toEqual([
      [{ detail: "[redacted] and [redacted]" }, "said [redacted], [redacted]"],
      [{ plain: true }, undefined],
    ]);
  });
});
