/** Scalekit's exceptions (gRPC statuses, tool errors, a raw AxiosError) as DelegateErrors. */
import { DelegateError, errorMessage, presentableDetail } from "../../errors.js";
import type { AccountStatus } from "../agent-auth.js";
import { connectRuntime, sdk } from "./scalekit-sdk.js";

export function authorizationRequired(connection: string, status: AccountStatus): DelegateError {
  return new DelegateError(
    "AUTHORIZATION_REQUIRED",
    `The ${connection} account is not connected (status ${status}).`,
    {
      details: { connection, status },
    },
  );
}

/** Scalekit refused a user verification (see `VerificationRefusal` in verification-state.ts). */
export function verificationRefused(reason: "not_found" | "identifier_mismatch"): DelegateError {
  const message =
    reason === "not_found"
      ? "Scalekit knows no pending authorization for this verification (it was already used, or it lapsed)."
      : "This authorization was completed for a different user, so it was not accepted.";
  return new DelegateError("VERIFICATION_REFUSED", message, { details: { reason } });
}

export function grpcStatus(error: unknown): number | undefined {
  const value = (error as { grpcStatus?: unknown }).grpcStatus;
  return typeof value === "number" ? value : undefined;
}

export function isNotFound(error: unknown): boolean {
  return grpcStatus(error) === 5;
}

export interface MapContext {
  action: string;
  connection?: string | undefined;
  host: string;
}

/**
 * Scalekit failure → DelegateError. Tool errors are checked first: a tool-level Unauthenticated
 * means the provider token was rejected (re-authorize), while a plain Unauthenticated means our
 * own client credentials are wrong.
 */
export function mapScalekitError(error: unknown, context: MapContext): DelegateError {
  if (DelegateError.isInstance(error)) return error;
  const details: Record<string, unknown> = { action: context.action };
  if (context.connection) details.connection = context.connection;
  const axios = error as { isAxiosError?: boolean; response?: { status?: number }; code?: string };
  if (axios.isAxiosError) {
    const status = axios.response?.status;
    if (status === 401 || status === 400 || status === 403) {
      return new DelegateError(
        "SCALEKIT_CREDENTIALS_INVALID",
        `Scalekit at ${context.host} rejected Delegate's client credentials (HTTP ${status}). Check SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET in your .env against Dashboard → Developers → API credentials.`,
        { details: { ...details, status } },
      );
    }
    return new DelegateError(
      "SCALEKIT_UNAVAILABLE",
      `Scalekit at ${context.host} could not be reached to ${context.action}${axios.code ? ` (${axios.code})` : ""}. Check SCALEKIT_ENV_URL and your network, then try again.`,
      { details },
    );
  }
  if (sdk().isToolException(error)) {
    details.toolErrorCode = error.toolErrorCode;
    details.executionId = error.executionId;
    // The tool's own words reach the model only when they read like a message (a 4xx's "channel
    // not found", not a provider's 500 body); all of it stays in `cause` for the log.
    const cause = new Error(`Scalekit tool error ${error.toolErrorCode}: ${error.toolErrorMessage}`);
    if (grpcStatus(error) === 16) {
      return new DelegateError(
        "PROVIDER_TOKEN_REJECTED",
        `The provider rejected the ${context.connection ?? ""} account's token; it needs to be reconnected.`,
        { details, cause },
      );
    }
    const detail = presentableDetail(error.toolErrorMessage);
    return new DelegateError(
      "TOOL_FAILED",
      detail
        ? `The tool failed: ${detail}.`
        : `The tool failed (${error.toolErrorCode || grpcStatusName(grpcStatus(error))}). Check the arguments, or try again in a moment.`,
      { details: { ...details, grpcStatus: grpcStatus(error) }, cause },
    );
  }
  const code = grpcStatus(error);
  // Scalekit's message is for the log (`cause`); people get the status and what to do.
  const cause = new Error(errorMessage(error));
  const status = grpcStatusName(code);
  switch (code) {
    case 16:
      return new DelegateError(
        "SCALEKIT_CREDENTIALS_INVALID",
        `Scalekit at ${context.host} did not accept Delegate's credentials. Check SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET.`,
        { details, cause },
      );
    case 5:
      if (context.connection) {
        return new DelegateError(
          "CONNECTION_NOT_CONFIGURED",
          `Scalekit has no connection named "${context.connection}". Create it in Dashboard → AgentKit → Connections, or map the connector to your connection name with DELEGATE_CONNECTIONS (e.g. google-calendar=my-gcal).`,
          { details, cause },
        );
      }
      return new DelegateError(
        "SCALEKIT_ERROR",
        `Scalekit could not ${context.action}: not found (${status}).`,
        { details, cause },
      );
    case 14:
    case 4:
    case 1:
      return new DelegateError(
        "SCALEKIT_UNAVAILABLE",
        `Scalekit at ${context.host} is unavailable; it could not ${context.action} after retrying (${status}). Try again in a moment.`,
        { details, cause },
      );
    default:
      return new DelegateError(
        "SCALEKIT_ERROR",
        `Scalekit could not ${context.action} (${status}). Try again in a moment; if it keeps failing, check the connection in the Scalekit dashboard.`,
        { details: { ...details, grpcStatus: code }, cause },
      );
  }
}

/** `Internal`, `Unavailable`…: the gRPC status by name, for messages. */
function grpcStatusName(code: number | undefined): string {
  if (code === undefined) return "no gRPC status";
  // The enum of the copy the SDK's CommonJS build uses, loaded with the SDK (whose call failed).
  const name = (connectRuntime().Code as unknown as Record<number, string>)[code];
  return name ? `gRPC ${name}` : `gRPC status ${code}`;
}
