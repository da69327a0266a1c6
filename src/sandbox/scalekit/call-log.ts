export interface CallRecord {
  /** gRPC method name (e.g. `ListConnectedAccounts`) or `OAuthToken` for the token endpoint. */
  method: string;
  /** Whether the call carried a valid M2M bearer token (for `OAuthToken`: valid client credentials). */
  authorized: boolean;
  at: Date;
}

/** Every gRPC call and token request, in arrival order. */
export class CallLog {
  readonly log: CallRecord[] = [];

  record(method: string, authorized: boolean): void {
    this.log.push({ method, authorized, at: new Date() });
  }

  count(method?: string): number {
    return method === undefined ? this.log.length : this.log.filter((call) => call.method === method).length;
  }

  reset(): void {
    this.log.length = 0;
  }
}
