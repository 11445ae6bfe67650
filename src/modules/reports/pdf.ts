import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";

/** Ticket rows a PDF lists after its summary; the CSV carries them all. */
export const PDF_MAX_ROWS = 300;

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;
const INK = rgb(0.12, 0.14, 0.18);
const MUTED = rgb(0.42, 0.45, 0.5);
const BAR = rgb(0.16, 0.42, 0.78);
const RULE = rgb(0.85, 0.87, 0.9);

let charset: Set<number> | null = null;

/**
 * The standard fonts speak WinAnsi only: a character outside it becomes its unaccented letter
 * (ź → z) or "?", rather than failing the report.
 */
function printable(s: string): string {
  let out = "";
  for (const ch of s.replace(/[\r\n\t]+/g, " ")) {
    const code = ch.codePointAt(0)!;
    if (!charset || charset.has(code)) out += ch;
    else {
      const base = ch.normalize("NFKD")[0];
      out += base && base !== ch && charset.has(base.codePointAt(0)!) ? base : "?";
    }
  }
  return out;
}

function fit(text: string, font: PDFFont, size: number, width: number): string {
  let t = printable(text);
  if (font.widthOfTextAtSize(t, size) <= width) return t;
  while (t.length > 1 && font.widthOfTextAtSize(`${t}...`, size) > width) t = t.slice(0, -1);
  return `${t}...`;
}

export interface PdfReport {
  /** The operator's name, on every page. */
  company: string;
  title: string;
  subtitle: string;
  filters: [string, string][];
  summary: [string, string][];
  chart: { title: string; bars: { label: string; value: number }[] };
  table: { columns: { title: string; width: number }[]; rows: string[][]; note?: string };
}

/** A report as PDF: title, filters, a summary table, one bar chart drawn as vector shapes, the rows, page numbers. */
export async function renderReportPdf(report: PdfReport): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(report.title);
  doc.setProducer("truckroll");
  doc.setCreationDate(new Date());
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  charset ??= new Set(font.getCharacterSet());
  let page: PDFPage = doc.addPage(A4);
  let y = A4[1] - MARGIN;
  const width = A4[0] - 2 * MARGIN;
  const text = (s: string, x: number, size = 10, f = font, color = INK) =>
    page.drawText(printable(s), { x, y, size, font: f, color });
  const ensure = (space: number) => {
    if (y - space >= MARGIN + 20) return;
    page = doc.addPage(A4);
    y = A4[1] - MARGIN;
  };

  text(report.company, MARGIN, 10, bold, MUTED);
  y -= 22;
  text(report.title, MARGIN, 20, bold);
  y -= 18;
  text(report.subtitle, MARGIN, 10, font, MUTED);
  y -= 24;

  text("Filters", MARGIN, 12, bold);
  y -= 16;
  for (const [k, v] of report.filters.length
    ? report.filters
    : [["(none)", "every ticket you may see"] as [string, string]]) {
    text(k, MARGIN, 9, bold);
    page.drawText(fit(v, font, 9, width - 140), { x: MARGIN + 140, y, size: 9, font, color: INK });
    y -= 13;
  }
  y -= 10;

  text("Summary", MARGIN, 12, bold);
  y -= 16;
  for (const [k, v] of report.summary) {
    page.drawLine({ start: { x: MARGIN, y: y - 4 }, end: { x: MARGIN + 260, y: y - 4 }, thickness: 0.5, color: RULE });
    text(k, MARGIN, 10);
    page.drawText(printable(v), {
      x: MARGIN + 260 - font.widthOfTextAtSize(printable(v), 10),
      y,
      size: 10,
      font: bold,
      color: INK,
    });
    y -= 16;
  }
  y -= 12;

  // The chart: horizontal bars scaled to the largest value, with their values.
  ensure(30 + report.chart.bars.length * 18);
  text(report.chart.title, MARGIN, 12, bold);
  y -= 18;
  const max = Math.max(1, ...report.chart.bars.map((b) => b.value));
  const barArea = width - 150;
  for (const bar of report.chart.bars) {
    text(bar.label, MARGIN, 9);
    const w = (bar.value / max) * barArea;
    page.drawRectangle({ x: MARGIN + 110, y: y - 2, width: barArea, height: 11, color: rgb(0.95, 0.96, 0.97) });
    if (w > 0) page.drawRectangle({ x: MARGIN + 110, y: y - 2, width: w, height: 11, color: BAR });
    text(String(bar.value), MARGIN + 114 + barArea, 9, bold);
    y -= 18;
  }
  y -= 14;

  // The rows, the header repeated on each page.
  const header = () => {
    let x = MARGIN;
    for (const c of report.table.columns) {
      page.drawText(printable(c.title), { x, y, size: 8, font: bold, color: MUTED });
      x += c.width;
    }
    y -= 4;
    page.drawLine({ start: { x: MARGIN, y }, end: { x: MARGIN + width, y }, thickness: 0.75, color: RULE });
    y -= 11;
  };
  ensure(60);
  text("Tickets", MARGIN, 12, bold);
  y -= 18;
  header();
  for (const row of report.table.rows) {
    if (y < MARGIN + 24) {
      page = doc.addPage(A4);
      y = A4[1] - MARGIN;
      header();
    }
    let x = MARGIN;
    row.forEach((cell, i) => {
      const w = report.table.columns[i].width;
      page.drawText(fit(cell, font, 8, w - 6), { x, y, size: 8, font, color: INK });
      x += w;
    });
    y -= 12;
  }
  if (report.table.note) {
    y -= 6;
    ensure(14);
    text(report.table.note, MARGIN, 8, font, MUTED);
  }

  const pages = doc.getPages();
  pages.forEach((p, i) => {
    const label = `Page ${i + 1} of ${pages.length}`;
    p.drawText(label, {
      x: A4[0] - MARGIN - font.widthOfTextAtSize(label, 8),
      y: MARGIN / 2,
      size: 8,
      font,
      color: MUTED,
    });
    p.drawText(printable(`${report.company} - ${report.title}`), {
      x: MARGIN,
      y: MARGIN / 2,
      size: 8,
      font,
      color: MUTED,
    });
  });
  return doc.save();
}
