// What a stored file may be called and served as. Names come from strangers (an attachment's
// filename, a caller's number): they are shown to staff and used in Content-Disposition, so
// they lose any path, control and bidi characters, and their length is bounded. Types that a
// browser would run (HTML, SVG, scripts) are served as plain bytes to download.

const MAX_NAME = 120;

/** A safe display name: the last path segment, printable, at most MAX_NAME characters. */
export function safeFileName(raw: string | null | undefined, fallback = "file"): string {
  const last = (raw ?? "").split(/[\\/]/).pop() ?? "";
  const cleaned = last
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"]/g, "")
    .replace(/^[.\s]+/, "")
    .trim();
  if (!cleaned) return fallback;
  if (cleaned.length <= MAX_NAME) return cleaned;
  const dot = cleaned.lastIndexOf(".");
  const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : "";
  return cleaned.slice(0, MAX_NAME - ext.length) + ext;
}

/** Types served inline as what they are; everything else downloads as octet-stream. */
const INLINE = /^(audio\/(wav|x-wav|wave|mpeg|mp3|mp4|ogg|webm|aac|amr|x-m4a)|image\/(png|jpeg|gif|webp)|application\/pdf|text\/plain)$/;

export function servedContentType(stored: string): string {
  const type = stored.split(";")[0]!.trim().toLowerCase();
  return INLINE.test(type) ? type : "application/octet-stream";
}

/** Content-Disposition for a name: RFC 6266 with an ASCII fallback and the UTF-8 form. */
export function contentDisposition(name: string, inline: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/[\\"]/g, "_");
  return `${inline ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
