import { describe, expect, it } from "vitest";
import { isPermission } from "../src/contracts/permissions";
import { operations } from "./security-suite";

const PUBLIC_OPERATIONS = new Set([
  "login",
  "verifyLoginOtp",
  "refreshTokens",
  "register",
  "forgotPassword",
  "resetPassword",
  "getJwks",
  "getApiRoot",
  "getHealth",
  "getLabels",
  // Links sent about an account (to a new address, and to the old one): the token in the body is the credential.
  "verifyContactChange",
  "undoContactChange",
  // The customer link's API: the token in the path is the credential.
  // The WebSocket: its one-minute ticket is the credential.
  "connectEvents",
  "getPublicAppointment",
  "getPublicAvailability",
  "publicHold",
  "publicSchedule",
  "publicReschedule",
  "publicShareLocation",
  "publicSetLanguage",
  "publicFeedback",
  "publicCancel",
  "publicRenewLink",
  // A login screen's list of applications: names and logos only.
  "listPublicApplications",
  // OAuth client credentials: the API key's secret in the body (or HTTP Basic) is the credential.
  "clientCredentialsToken",
]);

describe("every route states who may call it", () => {
  it.each(operations().map((op) => [op.operationId, op] as const))("%s", (_id, op) => {
    if (PUBLIC_OPERATIONS.has(op.operationId)) {
      expect(op.permission).toBeUndefined();
      return;
    }
    // A new route without requires()/requiresSignIn() fails here before it can ship unguarded.
    expect(op.permission, `${op.method} ${op.path} has no x-permission`).toBeDefined();
    expect(isPermission(op.permission!) || ["authenticated", "optional"].includes(op.permission!)).toBe(true);
  });
});
