import { type Identity, IdentitySchema } from "../auth/identity.js";
import { DelegateError } from "../errors.js";
import type { SendInput, ThreadRef } from "./runtime-types.js";
import { type PendingAuthorization, threadKey } from "./thread-store.js";
import type { ThreadTarget } from "./turn-runner.js";

/**
 * The longest message `send` takes unless `maxMessageChars` says otherwise: far above anything a
 * person types, well below what would fill the model's context in one message.
 */
export const DEFAULT_MAX_MESSAGE_CHARS = 65_536;

/**
 * Checks what an embedder passes in before it reaches storage or Scalekit: every public
 * method goes through these, so a bad id is an INVALID_INPUT error, never a query.
 */
export function parseIdentity(identity: Partial<Identity> | undefined): Identity {
  const parsed = IdentitySchema.safeParse({
    userId: identity?.userId,
    organizationId: identity?.organizationId,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new DelegateError("INVALID_INPUT", `Invalid user (${problems.join("; ")}).`, {
      details: { problems },
    });
  }
  return parsed.data;
}

/** The thread a caller names, scoped to them: its key cannot reach another user's thread. */
export function parseThreadRef(ref: ThreadRef): ThreadTarget {
  if (typeof ref !== "object" || ref === null) {
    throw new DelegateError("INVALID_INPUT", "Pass { userId, organizationId?, threadId }.", {
      details: { problems: ["input"] },
    });
  }
  const identity = parseIdentity(ref);
  const threadId = ref.threadId;
  if (typeof threadId !== "string" || !/^[^\s/]{1,128}$/.test(threadId)) {
    throw new DelegateError("INVALID_INPUT", 'threadId must be 1-128 characters without spaces or "/".', {
      details: { problems: ["threadId"] },
    });
  }
  return { key: threadKey(identity, threadId), threadId, identity };
}

/**
 * `send`'s input, checked before it returns a stream: a message that can never run is the
 * caller's mistake, thrown at the call (as a malformed id is), not found on iterating.
 */
export function parseSendInput(
  input: SendInput,
  maxChars: number,
): { target: ThreadTarget; text: string; wait: boolean } {
  if (typeof input !== "object" || input === null) {
    throw new DelegateError("INVALID_INPUT", "send takes { userId, organizationId?, threadId, text }.", {
      details: { problems: ["input"] },
    });
  }
  const target = parseThreadRef(input);
  const { text, waitForAuthorization } = input;
  if (typeof text !== "string" || !text.trim()) {
    throw new DelegateError("INVALID_INPUT", "The message text is empty.", {
      details: { problems: ["text"] },
    });
  }
  if (text.length > maxChars) {
    throw new DelegateError(
      "INVALID_INPUT",
      `The message is ${text.length} characters; the limit is ${maxChars} characters (the runtime's maxMessageChars option).`,
      { details: { problems: ["text"], length: text.length, maxMessageChars: maxChars } },
    );
  }
  if (waitForAuthorization !== undefined && typeof waitForAuthorization !== "boolean") {
    throw new DelegateError("INVALID_INPUT", "waitForAuthorization must be true or false.", {
      details: { problems: ["waitForAuthorization"] },
    });
  }
  return { target, text, wait: waitForAuthorization ?? true };
}

export function threadNotFound(threadId: string): DelegateError {
  return new DelegateError("THREAD_NOT_FOUND", `No thread "${threadId}".`, { details: { threadId } });
}

/** THREAD_BUSY for a new message on a thread that waits: for what it waits, and how to go on. */
export function waitingThreadBusy(threadId: string, pending: PendingAuthorization): DelegateError {
  const what =
    pending.approvals.length > 0 && pending.connections.length > 0
      ? "for an account to be connected and for your decision on the calls it asked about. Connect and decide (or cancel)"
      : pending.approvals.length > 0
        ? "for your decision on the calls it asked about. Approve or reject them (decide), or cancel,"
        : "for an account to be connected. Finish connecting, or cancel the authorization,";
  return new DelegateError("THREAD_BUSY", `This thread is waiting ${what} before sending a new message.`, {
    details: { threadId },
  });
}

export function runtimeClosed(): DelegateError {
  return new DelegateError(
    "RUNTIME_CLOSED",
    "This runtime is closed; create a new one with createAgentRuntime.",
  );
}
