import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/errdetails/errdetails_pb.js";

/** A ConnectError carrying Scalekit's `ErrorInfo` detail, as the real service sends it. */
export function scalekitError(code: Code, message: string, errorCode: string): ConnectError {
  return new ConnectError(message, code, undefined, [{ desc: ErrorInfoSchema, value: { errorCode } }]);
}

export function accountNotFound(): ConnectError {
  return scalekitError(Code.NotFound, "connected account not found", "NOT_FOUND");
}

export function connectionNotFound(name: string): ConnectError {
  return scalekitError(Code.NotFound, `connection "${name}" not found`, "CONNECTION_NOT_FOUND");
}

export function invalidArgument(message: string): ConnectError {
  return scalekitError(Code.InvalidArgument, message, "INVALID_ARGUMENT");
}

/** An upstream (provider) failure: the SDK never retries these and raises its Tool exceptions. */
export function toolError(
  code: Code,
  toolErrorCode: string,
  message: string,
  executionId: string,
): ConnectError {
  return new ConnectError(message, code, undefined, [
    {
      desc: ErrorInfoSchema,
      value: {
        errorCode: "TOOL_ERROR",
        toolErrorInfo: { executionId, toolErrorCode, toolErrorMessage: message },
      },
    },
  ]);
}
