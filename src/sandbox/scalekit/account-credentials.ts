import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { ConnectionProfile } from "./connection-profiles.js";

/** Tokens for an OAuth account, supplied by the API caller or minted on consent. */
export interface OAuthCredentials {
  kind: "oauth";
  accessToken: string;
  refreshToken?: string | undefined;
  scopes?: readonly string[] | undefined;
}

/** The `static_auth.details` of an API key / bearer token / basic auth account. */
export interface StaticCredentials {
  kind: "static";
  details: JsonObject;
}

export type AccountCredentials = OAuthCredentials | StaticCredentials;

export type StaticValidation = { ok: StaticCredentials } | { error: string };

/** Non-empty details carrying every required field of the connection as a non-empty string. */
export function validateStaticDetails(connection: ConnectionProfile, details: JsonObject): StaticValidation {
  const present = Object.entries(details).filter(([, value]) => !isBlank(value));
  if (present.length === 0) return { error: "authorization_details.static_auth.details must not be empty" };
  const missing = connection.staticAuthFields.filter((field) => {
    const value = details[field];
    return typeof value !== "string" || value.trim() === "";
  });
  if (missing.length > 0) {
    return {
      error: `authorization_details.static_auth.details is missing ${missing.join(", ")} for connection "${connection.name}"`,
    };
  }
  return { ok: { kind: "static", details: structuredClone(details) } };
}

function isBlank(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}
