import { constantTimeEqual } from "./hmac";
import { AppError } from "./problem";

/** Wrong tries before a one-time code (2FA, completion) is void. */
export const CODE_MAX_ATTEMPTS = 5;

interface CodeRow {
  id: string;
  codeHash: string;
  attempts: number;
  expiresAt: string;
}

/**
 * The shared rule for emailed and texted one-time codes: none waiting or used up, expired, or
 * wrong are each an `invalid_code`; a wrong code costs one attempt, counted atomically, and the
 * last attempt voids the code. Consuming a right code is the caller's (it may belong in a batch).
 */
export async function checkCode(
  db: D1Database,
  table: "otp_codes" | "completion_codes",
  row: CodeRow | undefined,
  hashOf: (row: CodeRow) => Promise<string>,
  now: string,
): Promise<CodeRow> {
  if (!row || row.attempts >= CODE_MAX_ATTEMPTS)
    throw new AppError("invalid_code", "No valid code is waiting; request a new one.");
  if (row.expiresAt <= now) throw new AppError("invalid_code", "The code has expired; request a new one.");
  if (!constantTimeEqual(await hashOf(row), row.codeHash)) {
    await db
      .prepare(
        `UPDATE ${table} SET attempts = attempts + 1, consumed_at = CASE WHEN attempts + 1 >= ?2 THEN ?3 ELSE NULL END
          WHERE id = ?1 AND consumed_at IS NULL`,
      )
      .bind(row.id, CODE_MAX_ATTEMPTS, now)
      .run();
    throw new AppError("invalid_code", "The code is wrong.");
  }
  return row;
}
