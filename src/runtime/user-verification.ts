import { AsyncResource } from "node:async_hooks";
import type { LinkOptions } from "../auth/agent-auth.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { type Identity, sameIdentity } from "../auth/identity.js";
import {
  audienceOf,
  refusalMessage,
  type VerificationClaims,
  type VerificationRefusal,
  VerificationStateSigner,
} from "../auth/verification-state.js";
import {
  CONNECTORS,
  type ConnectionNames,
  type ConnectorId,
  connectorForConnection,
} from "../connectors/registry.js";
import { DelegateError, isDelegateError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { PendingAuthorization, ThreadStore } from "./thread-store.js";

/** `createAgentRuntime({ verification })`: Scalekit user verification for every link. */
export interface VerificationOptions {
  /**
   * The verify URL Scalekit sends the browser to after consent (`user_verify_url`), where your
   * server calls `runtime.verifyUser`. A function is asked each time a link is made (the REPL
   * starts its loopback listener on first use).
   */
  url: string | (() => string | Promise<string>);
  /** Signs the links' `state` (32 bytes or more). Keep it stable across restarts and replicas. */
  secret: string | Uint8Array;
  /** How long a state is accepted. Default 1 hour. */
  stateTtlMs?: number;
}

export interface VerifyUserInput {
  /** The `auth_request_id` query parameter of the verify redirect. */
  authRequestId: string;
  /** The `state` query parameter of the verify redirect. */
  state: string;
  /** Who your server's session says is presenting the redirect. */
  userId: string;
  organizationId?: string | undefined;
  /**
   * The connection of the flow this browser started (your start step recorded it), when you know
   * it: a state for another connection is refused (`wrong_connection`) without being spent, so the
   * page never says "Gmail connected" for a browser that was connecting Slack.
   */
  connection?: string | undefined;
}

export type VerifyUserResult =
  | {
      status: "verified";
      connection: string;
      connector?: ConnectorId;
      /** "Gmail", for a page that says what was connected. */
      displayName: string;
      /** The thread the link was made for (the caller's id), if any. */
      threadId?: string;
      /** This call resumed the thread (false when a webhook or poll got there first, or it waits for more). */
      resumed: boolean;
      /** Where Scalekit suggests sending the browser next, when it names a place. */
      redirectTo?: string;
    }
  | { status: "refused"; reason: VerificationRefusal; message: string };

export interface UserVerificationDeps {
  options: VerificationOptions;
  auth: CachedAgentAuth;
  /** Where used states are remembered and waiting threads found. */
  store: Pick<
    ThreadStore,
    | "consumeVerificationState"
    | "releaseVerificationState"
    | "recordLatestVerificationState"
    | "latestVerificationState"
    | "getPending"
  >;
  names: ConnectionNames;
  logger: Logger;
  /** Resumes a thread whose connections are all ACTIVE (through the exactly-once claim). */
  resume(pending: PendingAuthorization): Promise<boolean>;
  /** Announces connections of a thread that still waits for others. */
  progress(pending: PendingAuthorization, active: string[]): void;
  now?: () => number;
}

/** A reused link keeps at least this long for the consent its state vouches for. */
const STATE_MARGIN_MS = 5 * 60_000;

/**
 * Binds consent to the person: every link carries Delegate's signed state and Scalekit's
 * `user_verify_url`, and the redirect that comes back after consent is accepted only for the
 * user the state names, presented by that user's session, once, before it expires — and only if
 * Scalekit agrees the authorization was made for that identifier. Then the thread resumes at
 * once, through the same claim as the poll and the webhooks, so it resumes exactly once.
 */
export class UserVerification {
  readonly #deps: UserVerificationDeps;
  readonly #signer: VerificationStateSigner;
  readonly #now: () => number;
  readonly #resumeThread: (pending: PendingAuthorization) => Promise<boolean>;

  constructor(deps: UserVerificationDeps) {
    this.#deps = deps;
    // The redirect may arrive in any async context, even one a graph run left behind (a server
    // started inside a run serves its requests in that run's context): the resumed run must not
    // inherit it, or LangGraph takes it for a nested call of that run.
    this.#resumeThread = AsyncResource.bind((pending: PendingAuthorization) => deps.resume(pending));
    this.#now = deps.now ?? Date.now;
    this.#signer = new VerificationStateSigner(deps.options.secret, {
      now: this.#now,
      ...(deps.options.stateTtlMs ? { ttlMs: deps.options.stateTtlMs } : {}),
    });
  }

  /** The options of a link for this user's connection, made in `thread` (a scoped key) or outside one. */
  async linkOptions(
    identity: Identity,
    connection: string,
    thread: string | undefined,
  ): Promise<LinkOptions> {
    const userVerifyUrl = await this.#verifyUrl();
    const audience = audienceOf(userVerifyUrl);
    const { state, claims } = this.#signer.sign({ identity, connection, thread, audience });
    const { store } = this.#deps;
    return {
      userVerifyUrl,
      state,
      stateNonce: claims.nonce,
      scope: thread === undefined ? "connect" : `thread:${thread}`,
      reuseUntil: new Date(claims.expiresAt - STATE_MARGIN_MS),
      // Only the latest link of a user's connection verifies: each issued one retires the older.
      issued: () => store.recordLatestVerificationState(identity, connection, claims.nonce, claims.expiresAt),
      isLatest: async (nonce) => (await store.latestVerificationState(identity, connection)) === nonce,
    };
  }

  /**
   * `session`: who the host's session says presents the redirect; the state must name the same
   * user. Without one (a host whose browser carries no session: the LangGraph server), the user
   * the state names is taken, so the state alone binds the consent to that user.
   */
  async verify(
    input: Pick<VerifyUserInput, "authRequestId" | "state" | "connection">,
    session?: Identity,
  ): Promise<VerifyUserResult> {
    const { auth, store, logger } = this.#deps;
    if (typeof input.authRequestId !== "string" || !/^[\x21-\x7e]{1,512}$/.test(input.authRequestId)) {
      return this.#refuse("malformed", session);
    }
    const opened = this.#signer.open(input.state);
    if (!opened.ok) return this.#refuse(opened.reason, session);
    const { claims } = opened;
    // Made for another verify URL (e.g. the REPL's, which may share this key file): to this
    // route it is as good as forged.
    if (claims.audience !== audienceOf(await this.#verifyUrl()))
      return this.#refuse("forged", session, claims);
    if (session && !sameIdentity(claims.identity, session))
      return this.#refuse("wrong_user", session, claims);
    if (input.connection !== undefined && input.connection !== claims.connection)
      return this.#refuse("wrong_connection", session, claims);
    // A newer link was issued for this connection since: this one is retired (none on record: a
    // link from before the record was kept, which its own expiry retires).
    const latest = await store.latestVerificationState(claims.identity, claims.connection);
    if (latest !== undefined && latest !== claims.nonce) return this.#refuse("superseded", session, claims);
    if (!(await store.consumeVerificationState(claims.nonce, claims.expiresAt))) {
      return this.#refuse("replayed", session, claims);
    }
    // The thread is looked up while Scalekit verifies: the resume follows at once.
    const waiting = claims.thread ? store.getPending(claims.thread) : Promise.resolve(undefined);
    waiting.catch(() => {});
    let redirectTo: string | undefined;
    try {
      // The cache forgets what it knew of the account, so the resume below asks afresh.
      redirectTo = (await auth.verifyUser(input.authRequestId, claims.identity, claims.connection))
        .redirectUrl;
    } catch (error) {
      if (!isDelegateError(error, "VERIFICATION_REFUSED")) {
        // Scalekit did not answer (down, a timeout): nothing was verified, so the same redirect
        // may be tried again rather than the consent given again.
        await store.releaseVerificationState(claims.nonce).catch(() => {});
        throw error;
      }
      const reason = error.details.reason === "identifier_mismatch" ? "identifier_mismatch" : "not_found";
      return this.#refuse(reason, session, claims);
    }
    const connector = connectorForConnection(this.#deps.names, claims.connection);
    const pending = await waiting;
    const resumed = pending ? await this.#resume(pending, claims) : false;
    logger.info(
      {
        userId: claims.identity.userId,
        connection: claims.connection,
        ...(pending ? { threadId: pending.threadId } : {}),
        resumed,
      },
      "user verified",
    );
    return {
      status: "verified",
      connection: claims.connection,
      ...(connector ? { connector } : {}),
      displayName: connector ? CONNECTORS[connector].displayName : claims.connection,
      ...(pending ? { threadId: pending.threadId } : {}),
      resumed,
      ...(redirectTo ? { redirectTo } : {}),
    };
  }

  async #verifyUrl(): Promise<string> {
    const { url } = this.#deps.options;
    return typeof url === "string" ? url : await url();
  }

  /** Resumes the thread the link was made for, if all it waits for is connected now. */
  async #resume(pending: PendingAuthorization, claims: VerificationClaims): Promise<boolean> {
    if (!sameIdentity(pending.identity, claims.identity)) return false;
    if (!pending.connections.includes(claims.connection)) return false;
    // Asked afresh, the verified connection too: Scalekit's answer does not say which account it verified.
    const statuses = await this.#deps.auth.getStatuses(pending.identity, pending.connections, {
      inactiveSince: this.#now(),
    });
    const active = pending.connections.filter((connection) => statuses.get(connection)?.status === "ACTIVE");
    if (active.length === pending.connections.length) return this.#resumeThread(pending);
    this.#deps.progress(pending, active);
    return false;
  }

  #refuse(reason: VerificationRefusal, session?: Identity, claims?: VerificationClaims): VerifyUserResult {
    this.#deps.logger.warn(
      {
        reason,
        ...(session ? { userId: session.userId } : {}),
        ...(claims ? { stateUserId: claims.identity.userId, connection: claims.connection } : {}),
      },
      "user verification refused",
    );
    return { status: "refused", reason, message: refusalMessage(reason) };
  }
}

/** `createAgentRuntime` without `verification`: `verifyUser` says how to turn it on. */
export function verificationOff(): DelegateError {
  return new DelegateError(
    "CONFIG_INVALID",
    "User verification is off: pass `verification: { url, secret }` to createAgentRuntime to bind consent to the person.",
  );
}
