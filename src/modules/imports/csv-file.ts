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
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) invalidFile('The file is UTF-16 text; save it as "CSV UTF-8".');
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) invalidFile('The file is a spreadsheet workbook, not CSV; save it as "CSV UTF-8".');
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return invalidFile('The file is not UTF-8 text (perhaps Windows-1252 or Latin-1); save it as "CSV UTF-8".');
  }
  if (text.includes("\u0000")) invalidFile("The file holds binary data, not CSV text.");
  if (!text.replace(/^\uFEFF/, "").trim()) invalidFile("The file is empty.");
}

/** The delimiter the header line uses most: `,`, `;` or a tab. */
export function sniffDelimiter(bytes: Uint8Array): Delimiter {
  const end = bytes.indexOf(0x0a);
  const line = new TextDecoder().decode(bytes.subarray(0, end < 0 ? Math.min(bytes.length, 65_536) : end)).replace(/"[^"]*"/g, "");
  const count = (ch: string) => line.split(ch).length - 1;
  const candidates: Delimiter[] = [",", ";", "\t"];
  return candidates.reduce((best, d) => (count(d) > count(best) ? d : best), ",");
}

/**
 * The complete records in `bytes`, each with where it ends. When `final` is false the bytes are a
 * window of a longer file: the last record read may be cut short, so it is left for the next
 * window. A broken end of the file (an unclosed quote) is answered as `brokenTail`.
 */
export function readRecords(bytes: Uint8Array, delimiter: Delimiter, final: boolean, limit?: number): { records: CsvRecord[]; brokenTail: string | null } {
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
  if (!final) records.pop();
  return { records, brokenTail };
}

/** The header record and the bytes and lines it takes. */
export function readHeader(bytes: Uint8Array, delimiter: Delimiter): CsvRecord {
  const { records } = readRecords(bytes.subarray(0, 1_048_576), delimiter, true, 1);
  if (!records.length || records[0].cells.every((c) => !c.trim())) return invalidFile("The file has no header line.");
  return records[0];
}
