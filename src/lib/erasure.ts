/**
 * Erasing a customer (data-protection erasure: GDPR art. 17, Botswana DPA 2018): each module that
 * owns rows about the customer states the statements that anonymise or delete them, and the
 * privacy module commits them all in one batch. `values` are the customer's personal strings
 * (name, phone, email, address …) to be replaced wherever free text repeats them; `tickets` is the
 * SQL for their tickets' ids (one parameter: the customer id).
 */
export interface ErasureSubject {
  customerId: string;
  userId: string | null;
  values: string[];
  now: string;
  /** When the customer was created: logs older than that cannot mention them (bounds the scans of the logs). */
  since: string;
  /** "[erased on 2027-01-04]": what replaced text says. */
  marker: string;
}

export const CUSTOMER_TICKETS = "SELECT id FROM tickets WHERE customer_id = ?";

/** One statement per value: `column = replace(column, value, marker)` where the value occurs. */
export function redactValues(
  db: D1Database,
  s: ErasureSubject,
  table: string,
  columns: string[],
  where: string,
  params: unknown[],
): D1PreparedStatement[] {
  return s.values.flatMap((v) =>
    columns.map((c) =>
      db
        .prepare(`UPDATE ${table} SET ${c} = replace(${c}, ?, ?) WHERE instr(${c}, ?) > 0 AND (${where})`)
        .bind(v, "[erased]", v, ...params),
    ),
  );
}
