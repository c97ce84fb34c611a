// Reading console input: the body the CSRF check already read (with its size cap), as form
// fields or JSON, validated by a zod schema with a message per field.
import type { Context } from "hono";
import type * as z from "zod";
import { parseWith } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";

export const FORM_TYPE = "application/x-www-form-urlencoded";

function contentType(c: Context<AppEnv>): string {
  return (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The form fields of a console POST (urlencoded: every console form works without JS). */
export function formOf(c: Context<AppEnv>): URLSearchParams {
  if (contentType(c) !== FORM_TYPE) throw new ApiError("unsupported_media_type", `Send the form as ${FORM_TYPE}.`);
  return new URLSearchParams(c.get("consoleBody") ?? "");
}

/** The JSON body of a console POST made by the passkey script. */
export function jsonOf<S extends z.ZodType>(c: Context<AppEnv>, schema: S, text = c.get("consoleBody") ?? ""): z.infer<S> {
  if (contentType(c) !== "application/json") throw new ApiError("unsupported_media_type", "Send the body as application/json.");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "The request body is not valid JSON.");
  }
  return parseWith(schema, data);
}

/** Validates form values; on failure returns the message of each field instead of throwing,
 * so the form can be shown again with the input kept. */
export function checkForm<S extends z.ZodType>(schema: S, data: unknown): { ok: true; value: z.infer<S> } | { ok: false; errors: Record<string, string> } {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length > 0 ? issue.path.map(String).join(".") : "_";
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}
