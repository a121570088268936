/**
 * @module The file part of a `multipart/form-data` upload, read from the raw bytes. storage-js
 * sends the file under an empty field name, which the platform's FormData parser drops.
 */

/** The first part carrying a `filename`: its bytes and Content-Type. */
export interface UploadedFile {
  readonly bytes: Uint8Array;
  readonly type: string;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** Finds the file part of a multipart body with this Content-Type header; null when none. */
export function multipartFile(body: Uint8Array, contentType: string): UploadedFile | null {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return null;
  const encoder = new TextEncoder();
  const delimiter = encoder.encode(`--${boundary}`);
  const headerEnd = encoder.encode("\r\n\r\n");
  let start = indexOf(body, delimiter, 0);
  while (start >= 0) {
    const partStart = start + delimiter.length + 2; // past CRLF
    const next = indexOf(body, delimiter, partStart);
    if (next < 0) return null;
    const headersEnd = indexOf(body, headerEnd, partStart);
    if (headersEnd < 0 || headersEnd > next) return null;
    const headers = new TextDecoder().decode(body.subarray(partStart, headersEnd));
    if (/content-disposition:[^\r\n]*filename=/i.test(headers)) {
      const type = /content-type:\s*([^\r\n;]+)/i.exec(headers)?.[1]?.trim() ??
        "application/octet-stream";
      return { bytes: body.slice(headersEnd + 4, next - 2), type }; // minus the CRLF before it
    }
    start = next;
  }
  return null;
}
