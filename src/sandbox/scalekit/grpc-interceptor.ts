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
 * Runs before every RPC: records it, applies injected latency and faults (ahead of auth, like a
 * failing load balancer), then demands the M2M bearer so the SDK's lazy token fetch really runs.
 */
export function callGate({ calls, faults, credentials }: CallGateDependencies): Interceptor {
  return (next) => async (request) => {
    const method = request.method.name;
    const authorized = credentials.isAuthorized(request.header.get("authorization"));
    calls.record(method, authorized);
    await delay(faults.latencyFor(method), request.signal);
    const fault = faults.take(method);
    if (fault !== undefined) throw new ConnectError(fault.message, fault.code);
    if (!authorized) throw new ConnectError("missing or invalid bearer token", Code.Unauthenticated);
    return next(request);
  };
}
