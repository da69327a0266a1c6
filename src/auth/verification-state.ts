import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { DelegateError } from "../errors.js";
import { type Identity, IdentitySchema } from "./identity.js";

/**
 * Why a user verification was refused. The first three are the state's own faults; `replayed`,
 * `superseded` (a newer link was issued for the same user and connection), `wrong_user` and
 * `wrong_connection` come from the runtime; the last two are Scalekit's answers.
 */
export type VerificationRefusal =
  | "malformed"
  | "forged"
  | "expired"
  | "replayed"
  | "superseded"
  | "wrong_user"
  | "wrong_connection"
  | "not_found"
  | "identifier_mismatch";

/** What a signed state binds a consent to. */
export interface VerificationClaims {
  identity: Identity;
  connection: string;
  /** The thread the link was made for (LangGraph's `thread_id`); absent for links outside a thread. */
  thread?: string;
  /** When the state stops being accepted (ms since the epoch). */
  expiresAt: number;
  /** Makes each state unique, so a store can accept it once. */
  nonce: string;
  /**
   * Where the state may come back: a digest of the verify URL it was made with (see
   * {@link audienceOf}). The REPL and the LangGraph server may share a key file; a state made for
   * one is refused by the other. Required: a signed state without one would pass any verify route.
   */
  audience: string;
}

/** A short digest of a verify URL, for a state's audience. */
export function audienceOf(verifyUrl: string): string {
  return createHash("sha256").update(verifyUrl).digest("base64url").slice(0, 22);
}

export type OpenedState =
  | { ok: true; claims: VerificationClaims }
  | { ok: false; reason: "malformed" | "forged" | "expired" };

/** Long enough for a slow consent after the link's own lifetime; Scalekit's links are short. */
export const DEFAULT_STATE_TTL_MS = 60 * 60_000;
const MIN_SECRET_BYTES = 32;
/** Far above any state this signs; refuses huge query strings before any work. */
const MAX_STATE_LENGTH = 2048;
const VERSION = "d1";

const PayloadSchema = z.object({
  u: z.string(),
  o: z.string().optional(),
  c: z.string().min(1).max(256),
  t: z.string().min(1).max(1024).optional(),
  e: z.number().int().positive(),
  n: z.string().min(16).max(64),
  a: z.string().min(1).max(64),
});

/**
 * Signs and opens the `state` Delegate puts on a magic link (Scalekit echoes it on the
 * user-verify redirect): `d1.<payload>.<HMAC-SHA256>`, base64url. The payload names the user,
 * the connection, the thread and an expiry; it is signed, not encrypted (it holds no secret, and
 * the browser sees it). Single use is the caller's job: the nonce is the key to remember.
 */
export class VerificationStateSigner {
  readonly #key: Buffer;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(secret: string | Uint8Array, options: { ttlMs?: number; now?: () => number } = {}) {
    const raw = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
    if (raw.length < MIN_SECRET_BYTES) {
      throw new DelegateError(
        "CONFIG_INVALID",
        `The user-verification secret must be at least ${MIN_SECRET_BYTES} bytes (e.g. randomBytes(32)).`,
      );
    }
    // A key of its own, so the secret could serve another purpose without signing these states.
    this.#key = createHmac("sha256", raw).update("delegate user-verification state v1").digest();
    this.#ttlMs = options.ttlMs ?? DEFAULT_STATE_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  sign(binding: { identity: Identity; connection: string; thread?: string | undefined; audience: string }): {
    state: string;
    claims: VerificationClaims;
  } {
    const claims: VerificationClaims = {
      identity: binding.identity,
      connection: binding.connection,
      ...(binding.thread ? { thread: binding.thread } : {}),
      expiresAt: this.#now() + this.#ttlMs,
      nonce: randomBytes(16).toString("base64url"),
      audience: binding.audience,
    };
    const payload = {
      u: claims.identity.userId,
      ...(claims.identity.organizationId ? { o: claims.identity.organizationId } : {}),
      c: claims.connection,
      ...(claims.thread ? { t: claims.thread } : {}),
      e: claims.expiresAt,
      n: claims.nonce,
      a: claims.audience,
    };
    const body = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
    return { state: `${body}.${this.#mac(body).toString("base64url")}`, claims };
  }

  /** Checks the signature first (nothing unsigned is parsed), then the shape, then the expiry. */
  open(state: unknown): OpenedState {
    if (typeof state !== "string" || state.length > MAX_STATE_LENGTH)
      return { ok: false, reason: "malformed" };
    const parts = state.split(".");
    if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: "malformed" };
    const body = `${parts[0]}.${parts[1]}`;
    const given = Buffer.from(parts[2] ?? "", "base64url");
    const expected = this.#mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: "forged" };
    }
    let payload: z.infer<typeof PayloadSchema>;
    try {
      payload = PayloadSchema.parse(JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8")));
    } catch {
      return { ok: false, reason: "malformed" };
    }
    const identity = IdentitySchema.safeParse({
      userId: payload.u,
      ...(payload.o !== undefined ? { organizationId: payload.o } : {}),
    });
    if (!identity.success) return { ok: false, reason: "malformed" };
    if (payload.e <= this.#now()) return { ok: false, reason: "expired" };
    return {
      ok: true,
      claims: {
        identity: identity.data,
        connection: payload.c,
        ...(payload.t ? { thread: payload.t } : {}),
        expiresAt: payload.e,
        nonce: payload.n,
        audience: payload.a,
      },
    };
  }

  #mac(body: string): Buffer {
    return createHmac("sha256", this.#key).update(body).digest();
  }
}

/**
 * The connection, user and nonce a state names, **unverified**: for choosing among a browser's
 * flows before the state is verified (which then checks the signature over these very bytes).
 * Never authorizes anything by itself; undefined for anything that is not a well-formed state.
 */
export function peekVerificationState(
  state: unknown,
): { connection: string; identity: Identity; nonce: string } | undefined {
  if (typeof state !== "string" || state.length > MAX_STATE_LENGTH) return undefined;
  const parts = state.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) return undefined;
  try {
    const payload = PayloadSchema.parse(
      JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8")),
    );
    const identity = IdentitySchema.safeParse({
      userId: payload.u,
      ...(payload.o !== undefined ? { organizationId: payload.o } : {}),
    });
    return identity.success
      ? { connection: payload.c, identity: identity.data, nonce: payload.n }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The HTTP status of a verify page that shows a refusal: a used link is a conflict, one a newer
 * link replaced is gone, any other refusal is forbidden.
 */
export function refusalStatus(reason: VerificationRefusal): number {
  if (reason === "replayed") return 409;
  return reason === "superseded" ? 410 : 403;
}

/** What a person is told about a refusal (no detail that would help forging). */
export function refusalMessage(reason: VerificationRefusal): string {
  switch (reason) {
    case "malformed":
    case "forged":
      return "This verification link is not one Delegate made, so nothing was connected.";
    case "expired":
      return "This verification link has expired, so nothing was connected. Ask Delegate for a new link.";
    case "replayed":
      return "This verification link was already used, so it was not accepted again.";
    case "superseded":
      return "This link was replaced by a newer link for the same account, so nothing was connected. Use the newest link Delegate gave you, or ask for a new one.";
    case "wrong_user":
      return "This authorization was started for another user, so it was not accepted for you.";
    case "wrong_connection":
      return "This verification is for another account than the one this browser was connecting, so nothing was connected.";
    case "not_found":
      return "Scalekit knows no pending authorization for this verification (it was already used, or it lapsed). Ask Delegate for a new link.";
    case "identifier_mismatch":
      return "This authorization was completed for a different user, so it was not accepted.";
  }
}
