import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { CallLog } from "./call-log.js";
import type { ClientCredentials } from "./client-credentials.js";
import { delay, type FaultInjector } from "./faults.js";

export interface CallGateDependencies {
  calls: CallLog;
  faults: FaultInjector;
  credentials: ClientCredentials;
}

/**
 * Runs around every RPC: records it, applies injected faults (ahead of auth, like a failing load
 * balancer), demands the M2M bearer so the SDK's lazy token fetch really runs, and holds answers
 * back by the injected latency.
 */
export function callGate({ calls, faults, credentials }: CallGateDependencies): Interceptor {
  return (next) => async (request) => {
    const method = request.method.name;
    const authorized = credentials.isAuthorized(request.header.get("authorization"));
    calls.record(method, authorized);
    const latency = faults.latencyFor(method);
    const fault = faults.take(method);
    const refusal =
      fault !== undefined
        ? new ConnectError(fault.message, fault.code)
        : authorized
          ? undefined
          : new ConnectError("missing or invalid bearer token", Code.Unauthenticated);
    if (refusal) {
      await delay(latency, request.signal);
      throw refusal;
    }
    // The handler reads the state now and its answer travels slowly, so a slow answer is also a
    // stale one, as on a real network.
    const response = await next(request);
    await delay(latency, request.signal);
    return response;
  };
}
