import { parse } from "csv-parse/sync";
import { AppError } from "../../lib/problem";

export type Delimiter = "," | ";" | "\t";

/** One CSV record and where it ends, relative to the start of the bytes it was read from. */
export interface CsvRecord {
  cells: string[];
  endByte: number;
  endLine: number;
}

const invalidFile = (message: string): never => {
  throw new AppError("invalid_file", message, { errors: [{ path: "file", message }] });
};

/** UTF-8 text, or a 422 saying what the file is instead (UTF-16, a workbook, another encoding, binary). */
export function assertCsvText(bytes: Uint8Array): void {
  if (!bytes.length) invalidFile("The file is empty.");
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    invalidFile('The file is UTF-16 text; save it as "CSV UTF-8".');
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)
    invalidFile('The file is a spreadsheet workbook, not CSV; save it as "CSV UTF-8".');
  // Decoded a window at a time and thrown away: only whether it decodes matters here.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    for (let i = 0; i < bytes.length; i += 65_536) decoder.decode(bytes.subarray(i, i + 65_536), { stream: true });
    decoder.decode();
  } catch {
    invalidFile('The file is not UTF-8 text (perhaps Windows-1252 or Latin-1); save it as "CSV UTF-8".');
  }
  if (bytes.includes(0)) invalidFile("The file holds binary data, not CSV text.");
  if (isBlank(bytes)) invalidFile("The file is empty.");
}

/** Nothing but white space (and a byte-order mark). */
export function isBlank(bytes: Uint8Array): boolean {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) if (![0x20, 0x09, 0x0a, 0x0d].includes(bytes[i])) return false;
  return true;
}

/** The delimiter the header line uses most: `,`, `;` or a tab. */
export function sniffDelimiter(bytes: Uint8Array): Delimiter {
  const end = bytes.indexOf(0x0a);
  const line = new TextDecoder()
    .decode(bytes.subarray(0, end < 0 ? Math.min(bytes.length, 65_536) : end))
    .replace(/"[^"]*"/g, "");
  const count = (ch: string) => line.split(ch).length - 1;
  const candidates: Delimiter[] = [",", ";", "\t"];
  return candidates.reduce((best, d) => (count(d) > count(best) ? d : best), ",");
}

/**
 * The complete records in `bytes`, each with where it ends. When `final` is false the bytes are a
 * window of a longer file: the last record read may be cut short, so it is left for the next
 * window. A broken end of the file (an unclosed quote) is answered as `brokenTail`. `limit`
 * stops after that many records, so a step parses only the rows it takes.
 */
export function readRecords(
  bytes: Uint8Array,
  delimiter: Delimiter,
  final: boolean,
  limit?: number,
): { records: CsvRecord[]; brokenTail: string | null } {
  const records: CsvRecord[] = [];
  let brokenTail: string | null = null;
  try {
    parse(bytes as Buffer, {
      bom: true,
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      to: limit,
      on_record: (record: string[], context: { bytes: number; lines: number }) => {
        records.push({ cells: record, endByte: context.bytes, endLine: context.lines });
        return null;
      },
    });
  } catch (err) {
    if (final) brokenTail = (err as Error).message.replace(/: the parsing is finished.*$/, "");
  }
  // Stopped at the limit, every record read ended with its delimiter; otherwise the last may be cut short.
  if (!final && !(limit !== undefined && records.length === limit)) records.pop();
  return { records, brokenTail };
}

/** The header record and the bytes and lines it takes. */
export function readHeader(bytes: Uint8Array, delimiter: Delimiter): CsvRecord {
  const { records } = readRecords(bytes.subarray(0, 1_048_576), delimiter, true, 1);
  if (!records.length || records[0].cells.every((c) => !c.trim())) return invalidFile("The file has no header line.");
  return records[0];
}
