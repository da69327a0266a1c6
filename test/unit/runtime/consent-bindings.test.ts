import { describe, expect, it } from "vitest";
import { VerificationStateSigner } from "../../../src/auth/verification-state.js";
import {
  CONSENT_COOKIE_PREFIX,
  ConsentBindings,
  type ConsentLink,
  consentCookieHeader,
} from "../../../src/index.js";

const ALICE = { userId: "alice" };
const BOB = { userId: "bob" };
const signer = new VerificationStateSigner(new Uint8Array(32).fill(7));
const stateFor = (connection: string, identity = ALICE) =>
  signer.sign({ identity, connection, audience: "test-audience" }).state;

function setup(options: ConstructorParameters<typeof ConsentBindings>[0] = {}) {
  let now = 1_000_000;
  const bindings = new ConsentBindings({ now: () => now, ...options });
  /** A link as the runtime hands it out, with the state its verify redirect will carry. */
  const link = (
    connection: string,
    ttlMs = 10 * 60_000,
    identity = ALICE,
  ): ConsentLink & { state: string } => {
    const { state, claims } = signer.sign({ identity, connection, audience: "test-audience" });
    return {
      url: `https://scalekit.test/magicLink/${connection}-${Math.random()}`,
      connection,
      expiresAt: new Date(now + ttlMs).toISOString(),
      stateNonce: claims.nonce,
      state,
    };
  };
  /** Opens a start id as `opener` and returns the cookie header the browser then holds. */
  const open = (id: string, opener = ALICE) => {
    const started = bindings.start(id, opener);
    if (!started.ok) throw new Error(`not started: ${started.reason}`);
    return `${started.cookie.name}=${started.cookie.value}`;
  };
  return { bindings, link, open, advance: (ms: number) => (now += ms) };
}

describe("ConsentBindings", () => {
  it("a link shown again keeps its start id; opening it binds the browser and leads to the magic link", () => {
    const { bindings, link } = setup();
    const gmail = link("gmail");
    const id = bindings.present(gmail, ALICE);
    expect(bindings.present(gmail, ALICE)).toBe(id);
    const started = bindings.start(id, ALICE);
    expect(started).toMatchObject({ ok: true, location: gmail.url });
    if (!started.ok) return;
    expect(started.cookie.name).toBe(`${CONSENT_COOKIE_PREFIX}${id}`);
    expect(started.cookie.value).toMatch(/^[\w-]{40,}$/);
    // No longer than the link lives (10 minutes here), though the binding TTL is 15.
    expect(started.cookie.maxAgeSeconds).toBe(600);
  });

  it("a start link binds the first browser that opens it: that one may open it again, no other", () => {
    const { bindings, link, open } = setup();
    const gmail = link("gmail");
    const id = bindings.present(gmail, ALICE);
    const first = open(id);
    // The same user (the REPL's is whoever has the URL) in another browser, with no cookie or another.
    expect(bindings.start(id, ALICE)).toEqual({ ok: false, reason: "opened_elsewhere" });
    expect(bindings.start(id, ALICE, `${CONSENT_COOKIE_PREFIX}${id}=forged`)).toEqual({
      ok: false,
      reason: "opened_elsewhere",
    });
    // Shown again, it stays bound to the first browser, which may open it again.
    expect(bindings.present(gmail, ALICE)).toBe(id);
    expect(bindings.start(id, ALICE)).toEqual({ ok: false, reason: "opened_elsewhere" });
    expect(bindings.start(id, ALICE, `other=1; ${first}`)).toMatchObject({ ok: true, location: gmail.url });
    // Only the first browser's binding verifies.
    expect(bindings.claim(first, ALICE, gmail.state)).toMatchObject({ ok: true });
  });

  it("a start link opened by someone else, or after its link expired, binds nothing", () => {
    const { bindings, link, advance } = setup();
    const id = bindings.present(link("gmail", 60_000), ALICE);
    expect(bindings.start(id, BOB)).toEqual({ ok: false, reason: "other_user", madeFor: ALICE });
    expect(bindings.start(id, undefined)).toMatchObject({ ok: false, reason: "other_user" });
    expect(bindings.start("no-such-id", ALICE)).toEqual({ ok: false, reason: "expired" });
    advance(60_000);
    expect(bindings.start(id, ALICE)).toEqual({ ok: false, reason: "expired" });
  });

  it("the verify redirect is accepted once, only from the browser that started that connection, for its user", () => {
    const { bindings, link, open } = setup();
    const gmail = link("gmail");
    const cookie = open(bindings.present(gmail, ALICE));
    const state = gmail.state;
    // Someone else's browser, or the right browser for another user: as if no binding.
    expect(bindings.claim(undefined, ALICE, state)).toEqual({ ok: false, reason: "no_binding" });
    expect(bindings.claim(cookie, BOB, stateFor("gmail", BOB))).toEqual({ ok: false, reason: "no_binding" });
    // The browser started Gmail, not Slack.
    expect(bindings.claim(cookie, ALICE, stateFor("slack"))).toEqual({
      ok: false,
      reason: "wrong_connection",
    });
    const claim = bindings.claim(cookie, ALICE, state);
    expect(claim).toMatchObject({ ok: true, connection: "gmail" });
    // A second tab meanwhile is refused, not verified as well.
    expect(bindings.claim(cookie, ALICE, state)).toEqual({ ok: false, reason: "in_progress" });
    if (!claim.ok) return;
    claim.finish(true);
    expect(bindings.claim(cookie, ALICE, state)).toEqual({ ok: false, reason: "replayed" });
  });

  it("a binding is for the link its browser opened: another unspent state of the same user and connection is refused", () => {
    const { bindings, link, open } = setup();
    const mine = link("gmail");
    const cookie = open(bindings.present(mine, ALICE));
    // Another of alice's Gmail links (another thread's, say), completed by someone else, whose
    // redirect is sent to alice's browser: the same user and connection, another state.
    const other = link("gmail");
    bindings.present(other, ALICE);
    expect(bindings.claim(cookie, ALICE, other.state)).toEqual({ ok: false, reason: "wrong_link" });
    expect(bindings.claim(cookie, ALICE, stateFor("gmail"))).toEqual({ ok: false, reason: "wrong_link" });
    // A link shown without its state's nonce binds a browser that can finish nothing.
    const { stateNonce: _, ...bare } = link("gmail");
    const bareCookie = open(bindings.present(bare, ALICE));
    expect(bindings.claim(bareCookie, ALICE, bare.state)).toEqual({ ok: false, reason: "wrong_link" });
    // Its own link's state still verifies.
    expect(bindings.claim(cookie, ALICE, mine.state)).toMatchObject({ ok: true, connection: "gmail" });
  });

  it("a verification that did not go through leaves the binding usable", () => {
    const { bindings, link, open } = setup();
    const gmail = link("gmail");
    const cookie = open(bindings.present(gmail, ALICE));
    const first = bindings.claim(cookie, ALICE, gmail.state);
    if (!first.ok) throw new Error("not claimed");
    first.finish(false);
    expect(bindings.claim(cookie, ALICE, gmail.state)).toMatchObject({ ok: true });
  });

  it("bindings are capped per user and in all, the oldest going first, and expire", () => {
    const { bindings, link, open, advance } = setup({ maxPerUser: 2, maxTotal: 3, ttlMs: 60_000 });
    const links = [1, 2, 3].map(() => link("gmail"));
    const tabs = links.map((each) => open(bindings.present(each, ALICE)));
    const stateOf = (tab: number) => links[tab]?.state ?? "";
    expect(bindings.claim(tabs[0], ALICE, stateOf(0))).toEqual({ ok: false, reason: "expired" });
    open(bindings.present(link("gmail"), BOB), BOB);
    open(bindings.present(link("gmail"), BOB), BOB);
    // Four in all past a cap of three: alice's oldest remaining goes.
    expect(bindings.claim(tabs[1], ALICE, stateOf(1))).toEqual({ ok: false, reason: "expired" });
    expect(bindings.claim(tabs[2], ALICE, stateOf(2))).toMatchObject({ ok: true });
    advance(60_000);
    const later = bindings.claim(tabs[2], ALICE, stateOf(2));
    expect(later).toEqual({ ok: false, reason: "expired" });
  });

  it("a flow that is over says so; another user's live binding reads as none", () => {
    const { bindings, link, open } = setup();
    const gmail = link("gmail");
    const state = gmail.state;
    // A cookie this process never made: the flow was started before a restart.
    const before = `${CONSENT_COOKIE_PREFIX}old=${"x".repeat(43)}`;
    expect(bindings.claim(before, ALICE, state)).toEqual({ ok: false, reason: "expired" });
    // Bob's live binding in alice's request tells her nothing about it.
    const bobs = open(bindings.present(link("gmail"), BOB), BOB);
    expect(bindings.claim(bobs, ALICE, state)).toEqual({ ok: false, reason: "no_binding" });
    // Her own live binding wins over a stale cookie beside it.
    const hers = open(bindings.present(gmail, ALICE));
    expect(bindings.claim(`${before}; ${hers}`, ALICE, state)).toMatchObject({ ok: true });
  });
  it("caps that are not positive numbers fall back to the defaults instead of emptying the store", () => {
    const { bindings, link, open } = setup({ maxPerUser: Number.NaN, maxTotal: -1, ttlMs: Number.NaN });
    const gmail = link("gmail");
    const cookie = open(bindings.present(gmail, ALICE));
    expect(bindings.claim(cookie, ALICE, gmail.state)).toMatchObject({ ok: true });
  });

  it("the cookie header is HttpOnly, SameSite=Lax, scoped to the path, and Secure when asked", () => {
    const cookie = { name: `${CONSENT_COOKIE_PREFIX}abc`, value: "v", maxAgeSeconds: 60 };
    expect(consentCookieHeader(cookie, { path: "/connect/" })).toBe(
      "delegate_flow_abc=v; Path=/connect/; Max-Age=60; HttpOnly; SameSite=Lax",
    );
    expect(consentCookieHeader(cookie, { path: "/connect/", secure: true })).toMatch(/; Secure$/);
  });
});
