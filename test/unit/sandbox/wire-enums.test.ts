import { Code } from "@connectrpc/connect";
import { ConnectorStatus as SdkConnectorStatus } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { describe, expect, it } from "vitest";
import { ConnectorStatus } from "../../../src/sandbox/scalekit/account-status.js";
import { GrpcCode, grpcCodeName } from "../../../src/sandbox/scalekit/grpc-codes.js";

/** A TypeScript numeric enum's members by name (without the reverse number → name entries). */
function members(enumObject: object): Record<string, number> {
  return Object.fromEntries(
    Object.entries(enumObject).filter((entry): entry is [string, number] => typeof entry[1] === "number"),
  );
}

// The emulator writes these values out so that it starts without the protobuf and Connect
// runtimes; a value that drifted from the SDK's would make the SDK see another status or code.
describe("the emulator's wire enums", () => {
  it("are the SDK's ConnectorStatus, value for value", () => {
    expect(members(ConnectorStatus)).toEqual(members(SdkConnectorStatus));
  });

  it("are Connect's gRPC codes, value for value, with Connect's names", () => {
    expect(members(GrpcCode)).toEqual(members(Code));
    for (const [name, value] of Object.entries(members(Code))) expect(grpcCodeName(value as Code)).toBe(name);
  });
});
