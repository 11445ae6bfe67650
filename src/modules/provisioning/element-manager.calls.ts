import { ElementManagerError } from "./element-manager";

/** Read attempts before giving up, and the pause before each retry. Writes are never retried. */
export const READ_RETRY_DELAYS_MS = [150, 500];

/** Races a call against the timeout: a read that times out changed nothing; a write's outcome is unknown. */
export async function withTimeout<T>(
  call: Promise<T>,
  timeoutMs: number,
  operation: string,
  write: boolean,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ElementManagerError(
            write ? "outcome_unknown" : "timeout",
            `The element manager did not answer ${operation} within ${timeoutMs} ms.`,
            "timeout",
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([call, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retries an idempotent read after a failure that may pass (unavailable, timeout). */
export async function withReadRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const passing =
        err instanceof ElementManagerError && (err.failure === "unavailable" || err.failure === "timeout");
      if (!passing || i >= READ_RETRY_DELAYS_MS.length) throw err;
      await new Promise((resolve) => setTimeout(resolve, READ_RETRY_DELAYS_MS[i]));
    }
  }
}
