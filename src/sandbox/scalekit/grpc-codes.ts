import type { Code } from "@connectrpc/connect";

/**
 * The gRPC status codes (fixed by the gRPC spec) as Connect's `Code` enum has them, written out:
 * the parts of the emulator that run before any RPC (fault injection, plain HTTP routes) then
 * load without the Connect runtime, which comes with the RPC layer on the first request.
 * `wire-enums.test.ts` holds every value equal to Connect's own enum.
 */
export const GrpcCode = {
  Canceled: 1 as Code.Canceled,
  Unknown: 2 as Code.Unknown,
  InvalidArgument: 3 as Code.InvalidArgument,
  DeadlineExceeded: 4 as Code.DeadlineExceeded,
  NotFound: 5 as Code.NotFound,
  AlreadyExists: 6 as Code.AlreadyExists,
  PermissionDenied: 7 as Code.PermissionDenied,
  ResourceExhausted: 8 as Code.ResourceExhausted,
  FailedPrecondition: 9 as Code.FailedPrecondition,
  Aborted: 10 as Code.Aborted,
  OutOfRange: 11 as Code.OutOfRange,
  Unimplemented: 12 as Code.Unimplemented,
  Internal: 13 as Code.Internal,
  Unavailable: 14 as Code.Unavailable,
  DataLoss: 15 as Code.DataLoss,
  Unauthenticated: 16 as Code.Unauthenticated,
} as const;

/** `Unavailable`, `NotFound`…: a code's name, as Connect's enum spells it. */
export function grpcCodeName(code: Code): string {
  return Object.entries(GrpcCode).find(([, value]) => value === code)?.[0] ?? String(code);
}
