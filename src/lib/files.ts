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
  "image/heic": { extension: "heic", test: (b) => ascii(b, 4, 8) === "ftyp" && ["heic", "heix", "mif1", "msf1", "hevc"].includes(ascii(b, 8, 12)) },
  "application/pdf": { extension: "pdf", test: (b) => ascii(b, 0, 5) === "%PDF-" },
};

/** The type a file's content shows, or null. */
export function sniffFileType(bytes: Uint8Array): string | null {
  return Object.entries(FILE_SIGNATURES).find(([, s]) => s.test(bytes))?.[0] ?? null;
}

/** The last path segment, with anything but word characters, dots, dashes and spaces replaced. */
export function safeFilename(name: string, fallback = "file"): string {
  const base = (name.split(/[\\/]/).pop() ?? "").replace(/[^\w.\- ]+/g, "_").slice(0, 150);
  return base || fallback;
}

/** A stored file as a download: never sniffed by the browser, never cached. */
export function fileDownload(object: R2ObjectBody, file: { contentType: string; sizeBytes: number; filename: string }): Response {
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
