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
