import { foldIdentifier } from "./serials";

/**
 * Files people send: what their first bytes say they are (names and declared types are not
 * trusted), a safe name to store them under, and the response that hands one back.
 */
const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.slice(from, to));

/** Binary types recognised by their signature, with the extension a nameless file gets. */
export const FILE_SIGNATURES: Record<string, { extension: string; test: (bytes: Uint8Array) => boolean }> = {
  "image/jpeg": { extension: "jpg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  "image/png": { extension: "png", test: (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  "image/webp": { extension: "webp", test: (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP" },
  "image/heic": {
    extension: "heic",
    test: (b) => ascii(b, 4, 8) === "ftyp" && ["heic", "heix", "mif1", "msf1", "hevc"].includes(ascii(b, 8, 12)),
  },
  "application/pdf": { extension: "pdf", test: (b) => ascii(b, 0, 5) === "%PDF-" },
};

/** The type a file's content shows, or null. */
export function sniffFileType(bytes: Uint8Array): string | null {
  return Object.entries(FILE_SIGNATURES).find(([, s]) => s.test(bytes))?.[0] ?? null;
}

/** The extension a stored file of each type ends with. */
const TYPE_EXTENSIONS: Record<string, string[]> = {
  ...Object.fromEntries(Object.entries(FILE_SIGNATURES).map(([type, s]) => [type, [s.extension]])),
  "image/jpeg": ["jpg", "jpeg"],
  "image/heic": ["heic", "heif"],
  "text/plain": ["txt", "log"],
  "text/csv": ["csv"],
};

/**
 * The last path segment, with control and format characters removed (a right-to-left override
 * makes `invoice\u202Egnp.exe` read as `invoiceexe.png`), anything but word characters, dots,
 * dashes and spaces replaced, and, when the content's type is known, an extension that says that
 * type (a PNG named `x.html` is kept as `x.html.png`): the stored name never claims another type.
 */
export function safeFilename(name: string, fallback = "file", contentType?: string): string {
  const cleaned = (foldIdentifier(name).split(/[\\/]/).pop() ?? "")
    .replace(/[^\w.\- ]+/g, "_")
    .replace(/^[.\s]+|[.\s]+$/g, "")
    .slice(0, 150);
  const base = cleaned || fallback;
  const extensions = contentType ? TYPE_EXTENSIONS[contentType] : undefined;
  if (!extensions) return base;
  const current = /\.([A-Za-z0-9]+)$/.exec(base)?.[1]?.toLowerCase();
  return current && extensions.includes(current) ? base : `${base}.${extensions[0]}`;
}

/** A stored file as a download: never sniffed by the browser, never cached. */
export function fileDownload(
  object: R2ObjectBody,
  file: { contentType: string; sizeBytes: number; filename: string },
): Response {
  return new Response(object.body, {
    status: 200,
    headers: {
      "content-type": file.contentType,
      "content-length": String(file.sizeBytes),
      "content-disposition": `attachment; filename="${file.filename.replace(/"/g, "")}"`,
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
    },
  });
}
