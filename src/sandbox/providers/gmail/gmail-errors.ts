/** Gmail's error answers: Google's JSON error shape with the reasons Gmail gives. */
import {
  GOOGLE_CHALLENGE,
  GOOGLE_INVALID_CREDENTIALS,
  googleError,
  type ProviderHttpResponse,
} from "../provider-emulator.js";

export function unauthorized(): ProviderHttpResponse {
  return {
    status: 401,
    headers: { "www-authenticate": GOOGLE_CHALLENGE.invalidToken },
    body: {
      error: {
        code: 401,
        message: GOOGLE_INVALID_CREDENTIALS,
        status: "UNAUTHENTICATED",
        errors: [
          {
            message: "Invalid Credentials",
            domain: "global",
            reason: "authError",
            location: "Authorization",
            locationType: "header",
          },
        ],
      },
    },
  };
}

export function insufficientScope(scope: string): ProviderHttpResponse {
  return {
    status: 403,
    headers: { "www-authenticate": GOOGLE_CHALLENGE.insufficientScope(scope) },
    body: {
      error: {
        code: 403,
        message: "Request had insufficient authentication scopes.",
        status: "PERMISSION_DENIED",
        errors: [{ message: "Insufficient Permission", domain: "global", reason: "insufficientPermissions" }],
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            domain: "googleapis.com",
            metadata: { service: "gmail.googleapis.com" },
          },
        ],
      },
    },
  };
}

/** A path or method Gmail does not serve. */
export function notFound(): ProviderHttpResponse {
  return googleError(404, "Not Found", "notFound");
}

/** A well-formed id that names no message or thread in this mailbox. */
export function entityNotFound(): ProviderHttpResponse {
  return googleError(404, "Requested entity was not found.", "notFound");
}

export function invalidArgument(message: string): ProviderHttpResponse {
  return googleError(400, message, "invalidArgument");
}
