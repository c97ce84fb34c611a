// Files for people who hold a signed link (a page's "listen to the voicemail") and for staff:
//   GET /files/{token}             the file, while the link is valid
//   GET /api/admin/files/{id}      the file, for staff (scope reports:read)
// Served as bytes: never as HTML or script, whatever the sender claimed it was.
import { Hono } from "hono";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { requireScope } from "../staff/auth";
import { contentDisposition, servedContentType } from "./names.pure";
import { findFile, type StoredFile } from "./queries";
import { verifyFileToken } from "./store";

async function serve(bucket: R2Bucket, file: StoredFile): Promise<Response> {
  const object = await bucket.get(file.r2Key);
  if (!object) throw new ApiError("not_found", "This file is no longer stored.");
  const type = servedContentType(file.contentType);
  return new Response(object.body, {
    headers: {
      "content-type": type,
      "content-length": String(object.size),
      "content-disposition": contentDisposition(file.name, type !== "application/octet-stream"),
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; media-src 'self'; sandbox",
      "x-robots-tag": "noindex, nofollow",
      "referrer-policy": "no-referrer",
    },
  });
}

export const fileRoutes = new Hono<AppEnv>()
  .get("/files/:token", async (c) => {
    const svc = c.get("services");
    const check = await verifyFileToken(svc.config.ackSigningKey, c.req.param("token"), new Date());
    if (!check.ok) throw new ApiError("not_found", check.reason === "expired" ? "This link has expired. Open the report in the staff console for a new one." : "This link is not valid.");
    const file = await findFile(svc.db, check.fileId);
    if (!file) throw new ApiError("not_found", "This file is no longer stored.");
    return serve(svc.files, file);
  })
  .get("/api/admin/files/:id", requireScope("reports:read"), async (c) => {
    const svc = c.get("services");
    const id = c.req.param("id");
    const file = /^f_[0-9a-f]{20}$/.test(id) ? await findFile(svc.db, id) : null;
    if (!file) throw new ApiError("not_found", "There is no file with this id.");
    return serve(svc.files, file);
  });
