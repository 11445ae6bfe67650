import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { settingsFrom } from "./env";
import { AppError } from "./problem";
import { signToken, verifyToken } from "./tokens";

const settings = () => settingsFrom(env);
const claims = { sub: "usr_tokens_test", sid: "ses_tokens_test", jti: "jti_tokens_test" };

async function rejection(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return (err as AppError).message;
}

describe("verified tokens are remembered by exact string, never past their expiry", () => {
  it("a remembered token still expires on time", async () => {
    const token = await signToken(settings(), "access", claims, 1);
    expect((await verifyToken(settings(), "access", token)).sub).toBe(claims.sub);
    expect((await verifyToken(settings(), "access", token)).sid).toBe(claims.sid); // remembered
    await new Promise((r) => setTimeout(r, 1100));
    expect(await rejection(verifyToken(settings(), "access", token))).toBe("The token has expired.");
  });

  it("a remembered token is still refused where another kind is expected, or under another audience", async () => {
    const token = await signToken(settings(), "access", claims, 60);
    await verifyToken(settings(), "access", token);
    expect(await rejection(verifyToken(settings(), "refresh", token))).toBe("The token is invalid.");
    const elsewhere = settingsFrom({ ...env, JWT_AUDIENCE: "another-api" });
    expect(await rejection(verifyToken(elsewhere, "access", token))).toBe("The token is invalid.");
  });

  it("a token differing by one character is verified afresh and refused", async () => {
    const token = await signToken(settings(), "access", claims, 60);
    await verifyToken(settings(), "access", token);
    // Inside the signature (the last character carries padding bits that may decode the same).
    const at = token.length - 10;
    const tampered = token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
    expect(await rejection(verifyToken(settings(), "access", tampered))).toBe("The token is invalid.");
  });
});
