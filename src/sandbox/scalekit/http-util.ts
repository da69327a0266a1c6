import type { Code } from "@connectrpc/connect";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { GrpcCode } from "./grpc-codes.js";

export type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
export type NodeRequest = Parameters<NodeHandler>[0];

/** What both the HTTP/1.1 and HTTP/2 response classes offer; their overloads do not unify. */
export interface Response {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  end(chunk?: string): unknown;
}

const MAX_BODY_BYTES = 64 * 1024;

export function headerValue(request: NodeRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function readBody(request: NodeRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Content-Security-Policy for the pages: inline styles only, forms post back to the page's origin. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

/**
 * `redirectTo`: an origin the page's form may end up at. Browsers apply form-action to the
 * redirects a form post follows too, so the consent page names the user-verify URL's origin.
 */
export function sendHtml(response: Response, status: number, html: string, redirectTo?: string): void {
  response.statusCode = status;
  response.setHeader("content-type", "text/html; charset=utf-8");
  response.setHeader("cache-control", "no-store");
  const target = redirectTo ? ` ${new URL(redirectTo).origin}` : "";
  response.setHeader(
    "content-security-policy",
    PAGE_CSP.replace("form-action 'self'", `form-action 'self'${target}`),
  );
  response.setHeader("x-content-type-options", "nosniff");
  response.setHeader("x-frame-options", "DENY");
  // The link is a bearer secret: never sent as a referrer to other origins. (Not no-referrer,
  // under which browsers send `Origin: null` on the form's own post.)
  response.setHeader("referrer-policy", "same-origin");
  response.end(html);
}

export function sendJson(response: Response, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader("content-type", "application/json");
  response.setHeader("cache-control", "no-store");
  response.end(JSON.stringify(body));
}

export function httpStatusFor(code: Code): number {
  switch (code) {
    case GrpcCode.InvalidArgument:
    case GrpcCode.FailedPrecondition:
    case GrpcCode.OutOfRange:
      return 400;
    case GrpcCode.Unauthenticated:
      return 401;
    case GrpcCode.PermissionDenied:
      return 403;
    case GrpcCode.NotFound:
      return 404;
    case GrpcCode.AlreadyExists:
    case GrpcCode.Aborted:
      return 409;
    case GrpcCode.ResourceExhausted:
      return 429;
    case GrpcCode.Unimplemented:
      return 501;
    case GrpcCode.Unavailable:
      return 503;
    case GrpcCode.DeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}
