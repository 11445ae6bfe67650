/** One JSON line per event, at or above the deployment's LOG_LEVEL (default info; the tests run at warn). */
export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

export function writeLog(threshold: LogLevel, level: LogLevel, fields: Record<string, unknown>) {
  if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(threshold)) return;
  const line = JSON.stringify({ level, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * A request path fit for a log line. The customer's link (`/a/<token>`, and the public API under
 * `/v1/public/appointments/<token>`) is a bearer credential: only its SHA-256 is stored, so a log
 * line must not hand working links to everyone who reads logs.
 */
const SECRET_PATHS: RegExp[] = [/^(\/a\/)[^/]+/, /^(\/v1\/public\/appointments\/)[^/]+/];

export function redactPath(path: string) {
  for (const pattern of SECRET_PATHS) if (pattern.test(path)) return path.replace(pattern, "$1[redacted]");
  return path;
}
