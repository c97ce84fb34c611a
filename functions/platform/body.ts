import type { z } from "zod";
import { ApiError } from "./errors";

/** Default cap for JSON bodies: staff updates and reports are text, never this large. */
export const MAX_JSON_BYTES = 64 * 1024;

/**
 * Reads a request body as text, refusing it with 413 before parsing when it is larger than
 * `maxBytes` (by Content-Length when given, and while streaming when not or when it lies).
 */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const bytes = await readCapped(req, maxBytes, () => tooLarge(maxBytes));
  return new TextDecoder("utf-8").decode(bytes);
}

/**
 * Reads a request's or response's body whole, at most `maxBytes`: refused by its declared
 * Content-Length before reading, and while streaming when there is none or it lies (the stream
 * is cancelled). `tooLarge` makes the error thrown, with the declared size when one was given.
 */
export async function readCapped(message: Request | Response, maxBytes: number, tooLarge: (declared: number | null) => Error): Promise<Uint8Array> {
  const header = message.headers.get("content-length");
  const declared = header === null ? NaN : Number(header);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared);
  if (!message.body) return new Uint8Array();
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(null);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `The request body is larger than the ${Math.round(maxBytes / 1024)} KB allowed.`);
}

export function requireContentType(req: Request, expected: string): void {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== expected) {
    throw new ApiError(
      "unsupported_media_type",
      type ? `Send the body as ${expected}, not ${type}.` : `Send the body as ${expected} (the Content-Type header is missing).`,
    );
  }
}

/** Content type, size cap, JSON syntax, then the schema: the one way JSON enters the Worker. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S, maxBytes = MAX_JSON_BYTES): Promise<z.infer<S>> {
  requireContentType(req, "application/json");
  const text = await readBodyText(req, maxBytes);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", text.trim() === "" ? "The request body is empty; send a JSON object." : "The request body is not valid JSON.");
  }
  return parseWith(schema, data);
}

/** Validates already-parsed input (JSON, form fields, queue bodies) and names each bad field. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length > 0 ? issue.path.map(String).join(".") : "_";
    fields[key] ??= issue.message;
  }
  const first = Object.entries(fields)[0];
  const message = first ? (first[0] === "_" ? first[1] : `${first[0]}: ${first[1]}`) : "The request is not valid.";
  throw new ApiError("validation_failed", message, { fields });
}
