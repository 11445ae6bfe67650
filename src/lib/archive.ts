import { getTableColumns, type Table } from "drizzle-orm";

/**
 * Archive of closed work in R2: each part is gzip-compressed NDJSON, one line per ticket —
 * `{"ticket_id": …, "sections": {"tickets": [row], "ticket_history": [rows], …}}` — holding every
 * row as SQLite stored it (snake_case columns, JSON columns as text), so a restore writes back
 * exactly what was there. Parts live under `archive/tickets/<YYYY-MM>/`, next to the month's
 * `manifest.json`. The archive module owns the prefix and its index tables; each module that owns
 * rows of a ticket states its archived tables here (`archivedTable`), and the SQL that reads,
 * deletes and restores them is the same for all.
 */
export const ARCHIVE_PREFIX = "archive/tickets/";
export const ARCHIVE_FORMAT = "truckroll-archive/1";

export type ArchivedRow = Record<string, unknown>;

/** One ticket's rows, by table. */
export interface ArchivedTicket {
  ticket_id: string;
  sections: Record<string, ArchivedRow[]>;
}

/** A table whose rows belong to one ticket and move with it, keyed by `column`. */
export interface ArchivedTable {
  table: string;
  column: string;
  /** Every row of the tickets (`?1`: JSON array of ids), with its rowid as `_rowid`. */
  select(db: D1Database, ticketIdsJson: string): D1PreparedStatement;
  /** Deletes exactly the rows read (`rowids`), and only of tickets the part's index names. */
  remove(db: D1Database, rowidsJson: string, partKey: string): D1PreparedStatement;
  /** Writes archived rows back (rows already present are kept: a restore may run twice). */
  restore(db: D1Database, rows: ArchivedRow[]): D1PreparedStatement | null;
}

const NAME = /^[a-z_]+$/;

export function archivedTable(table: string, column: string): ArchivedTable {
  if (!NAME.test(table) || !NAME.test(column)) throw new Error(`bad archived table ${table}.${column}`);
  return {
    table,
    column,
    select: (db, ids) =>
      db
        .prepare(
          `SELECT rowid AS _rowid, * FROM ${table} WHERE ${column} IN (SELECT value FROM json_each(?1)) ORDER BY rowid`,
        )
        .bind(ids),
    remove: (db, rowids, partKey) =>
      db
        .prepare(
          `DELETE FROM ${table} WHERE rowid IN (SELECT value FROM json_each(?1))
             AND ${column} IN (SELECT ticket_id FROM archived_tickets WHERE part_key = ?2)`,
        )
        .bind(rowids, partKey),
    restore(db, rows) {
      if (!rows.length) return null;
      // Columns the archived rows carry; a column added since takes its default.
      const columns = Object.keys(rows[0]).filter((c) => /^[a-z0-9_]+$/.test(c));
      const values = columns.map((c) => `value->>'${c}'`).join(", ");
      return db
        .prepare(`INSERT OR IGNORE INTO ${table} (${columns.join(", ")}) SELECT ${values} FROM json_each(?1)`)
        .bind(JSON.stringify(rows));
    },
  };
}

/** A stored row in drizzle's shape (camelCase keys, JSON and boolean columns decoded), to present it like a live one. */
export function fromStored<T extends Table>(table: T, row: ArchivedRow): T["$inferSelect"] {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = row[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T["$inferSelect"];
}

export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The part's bytes: one JSON line per ticket, gzip-compressed. */
export function encodePart(tickets: ArchivedTicket[]): Promise<Uint8Array> {
  const text = tickets.map((t) => `${JSON.stringify(t)}\n`).join("");
  return drain(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")));
}

export async function decodePart(bytes: Uint8Array | ArrayBuffer): Promise<ArchivedTicket[]> {
  const text = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  return text
    .split("\n")
    .filter((line) => line.length)
    .map((line) => JSON.parse(line) as ArchivedTicket);
}

/** A part's key: the month, the job and step that wrote it, and the start of its content's hash (a rerun never overwrites another content). */
export const partKey = (month: string, jobId: string, step: number, sha: string) =>
  `${ARCHIVE_PREFIX}${month}/${jobId}-${String(step).padStart(6, "0")}-${sha.slice(0, 12)}.ndjson.gz`;

export const manifestKey = (month: string) => `${ARCHIVE_PREFIX}${month}/manifest.json`;

/** Reads a part and checks it against the hash recorded when it was written. */
export async function readPart(bucket: R2Bucket, key: string, sha256: string): Promise<ArchivedTicket[]> {
  const object = await bucket.get(key);
  if (!object) throw new Error(`archive part ${key} is missing`);
  const bytes = await object.arrayBuffer();
  const actual = await sha256Hex(bytes);
  if (actual !== sha256) throw new Error(`archive part ${key} does not match its hash`);
  return decodePart(bytes);
}

/** One ticket's line of a part (the part checked against its hash first). */
export async function readArchivedLine(
  bucket: R2Bucket,
  key: string,
  sha256: string,
  ticketId: string,
): Promise<ArchivedTicket> {
  const line = (await readPart(bucket, key, sha256)).find((l) => l.ticket_id === ticketId);
  if (!line) throw new Error(`archive part ${key} lacks ticket ${ticketId}`);
  return line;
}
