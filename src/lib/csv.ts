import { stringify } from "csv-stringify/sync";

export type CsvCell = string | number | boolean | null | undefined;

/** A cell a spreadsheet would run as a formula (`= + - @`, their full-width forms `＝＋－＠`, tab, CR) is prefixed with `'`. */
function defuse(value: string): string {
  return /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(value) ? `'${value}` : value;
}

/** Rows as RFC 4180 CSV (CRLF, quoted where needed, formula-safe), optionally with the header line. */
export function csvLines(
  columns: readonly string[],
  rows: readonly CsvCell[][],
  options: { header?: boolean } = {},
): string {
  if (!rows.length && !options.header) return "";
  return stringify(rows as CsvCell[][], {
    header: options.header ?? false,
    columns: columns as string[],
    record_delimiter: "windows",
    // A line break inside a cell is quoted, whatever the record delimiter.
    quoted_match: /[\r\n]/,
    cast: { string: defuse, boolean: (v) => (v ? "true" : "false") },
  });
}

const BOM = "\uFEFF";

/**
 * A CSV body streamed page by page: only one page of rows is ever in memory. `pages` yields
 * arrays of rows until the data ends; `bom` starts the file with a byte-order mark so
 * spreadsheet programs read it as UTF-8.
 */
export function csvStream(
  columns: readonly string[],
  pages: AsyncIterable<CsvCell[][]>,
  options: { bom?: boolean } = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = pages[Symbol.asyncIterator]();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`${options.bom ? BOM : ""}${csvLines(columns, [], { header: true })}`));
        return;
      }
      const next = await iterator.next();
      if (next.done) {
        controller.close();
        return;
      }
      if (next.value.length) controller.enqueue(encoder.encode(csvLines(columns, next.value)));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
