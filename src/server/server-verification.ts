/**
 * Scalekit user verification on LangGraph's server. The graph gives every link the server's
 * `/delegate/verify` URL and a signed state; the route (`verify-route.ts`) completes the
 * verification; the client's recheck then finds the account ACTIVE and the run goes on.
 *
 * The browser that comes back from Scalekit carries no bearer token, so the route cannot ask who
 * it is: the signed state binds the verification to the user the run was authenticated as.
 */
import { join } from "node:path";
import type { Identity } from "../auth/identity.js";
import { loadVerificationKey } from "../auth/verification-key.js";
import { UserVerification } from "../runtime/user-verification.js";
import { serverEnvironment } from "./server-environment.js";

let verification: Promise<UserVerification | undefined> | undefined;

/** The process-wide verification, or undefined when it is off (DELEGATE_VERIFY=off). */
export function serverVerification(): Promise<UserVerification | undefined> {
  verification ??= build().catch((error: unknown) => {
    verification = undefined;
    throw error;
  });
  return verification;
}

async function build(): Promise<UserVerification | undefined> {
  const environment = await serverEnvironment();
  const { config, verifyUrl: url } = environment.settings;
  // Settings refuse to load with verification on and no URL (see `serverVerifyUrl`).
  if (config.verify === "off" || !url) return undefined;
  return new UserVerification({
    options: { url, secret: loadVerificationKey(join(config.dataDir, "verification.key")) },
    auth: environment.agent.auth,
    store: new UsedStates(),
    names: environment.agent.names,
    logger: environment.logger,
    // The server resumes nothing by itself: the client's recheck does.
    resume: async () => false,
    progress: () => {},
  });
}

/**
 * Used states and each connection's latest link, in this process: LangGraph's dev server is one
 * process. Scalekit's auth request is single use anyway, across every process; this refuses a
 * replayed redirect, or one from a link a newer one retired, before asking it.
 */
class UsedStates {
  readonly #used = new Map<string, number>();
  readonly #latest = new Map<string, { nonce: string; expiresAt: number }>();

  async recordLatestVerificationState(
    identity: Identity,
    connection: string,
    nonce: string,
    expiresAt: number,
  ): Promise<void> {
    const now = Date.now();
    for (const [key, latest] of this.#latest) if (latest.expiresAt + 60_000 < now) this.#latest.delete(key);
    this.#latest.set(accountKey(identity, connection), { nonce, expiresAt });
  }

  async latestVerificationState(identity: Identity, connection: string): Promise<string | undefined> {
    return this.#latest.get(accountKey(identity, connection))?.nonce;
  }

  async consumeVerificationState(nonce: string, expiresAt: number): Promise<boolean> {
    const now = Date.now();
    for (const [key, until] of this.#used) if (until + 60_000 < now) this.#used.delete(key);
    if (this.#used.has(nonce)) return false;
    this.#used.set(nonce, expiresAt);
    return true;
  }

  async releaseVerificationState(nonce: string): Promise<void> {
    this.#used.delete(nonce);
  }

  async getPending(): Promise<undefined> {
    return undefined;
  }
}

/** One account of one user, as the SQL store's primary key has it. */
function accountKey(identity: Identity, connection: string): string {
  return JSON.stringify([identity.organizationId ?? "", identity.userId, connection]);
}
