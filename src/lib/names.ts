/** How a person is shown: first and last name, else the username (also for rows read by a LEFT JOIN). */
export function displayName(
  first: string | null | undefined,
  last: string | null | undefined,
  username: string | null | undefined,
): string {
  return [first, last].filter(Boolean).join(" ") || username || "";
}
