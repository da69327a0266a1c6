import type { CallLog } from "./call-log.js";
import type { ClientCredentials } from "./client-credentials.js";
import { headerValue, type NodeRequest, type Response } from "./http-util.js";

/** `/<package>.<Service>/<Method>`, the path shape of gRPC and Connect calls. */
const RPC_PATH = /^\/([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+)\/([A-Za-z_]\w*)$/;

/** gRPC status 12 (UNIMPLEMENTED). */
const GRPC_UNIMPLEMENTED = "12";

/**
 * Answers an RPC to a service or method the emulator does not serve the way a gRPC server does:
 * Unimplemented, not the HTTP fallback's 404 page. Returns false when the request is no RPC.
 *
 * gRPC (and gRPC-Web) clients get a trailers-only response: HTTP 200 with `grpc-status: 12` in
 * the headers, which `@connectrpc/connect`'s gRPC transport reads as `Code.Unimplemented` (the SDK
 * then throws ScalekitNotImplementedException). Connect-protocol clients get Connect's error body
 * with HTTP 501, the status Connect assigns to `unimplemented`.
 */
export function answerUnimplementedRpc(
  request: NodeRequest,
  response: Response,
  deps: { calls: CallLog; credentials: ClientCredentials },
): boolean {
  const path = new URL(request.url ?? "/", "http://sandbox.invalid").pathname;
  const match = RPC_PATH.exec(path);
  if (match === null || request.method !== "POST") return false;
  const contentType = headerValue(request, "content-type")?.toLowerCase() ?? "";
  const isGrpc = contentType.startsWith("application/grpc");
  const isConnect =
    headerValue(request, "connect-protocol-version") !== undefined ||
    contentType.startsWith("application/json") ||
    contentType.startsWith("application/proto");
  if (!isGrpc && !isConnect) return false;
  deps.calls.record(match[2] ?? path, deps.credentials.isAuthorized(headerValue(request, "authorization")));
  const message = `${match[1]}/${match[2]} is not implemented`;
  // Drain the request so the stream can close cleanly.
  (request as NodeJS.ReadableStream).resume();
  response.statusCode = isGrpc ? 200 : 501;
  if (isGrpc) {
    response.setHeader("content-type", contentType.split(";")[0] ?? "application/grpc");
    response.setHeader("grpc-status", GRPC_UNIMPLEMENTED);
    response.setHeader("grpc-message", encodeURIComponent(message));
    response.end();
  } else {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ code: "unimplemented", message }));
  }
  return true;
}
