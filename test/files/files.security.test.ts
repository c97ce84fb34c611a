// Files from strangers (attachments, recordings) are kept in R2 and reach people only through
// the staff API or a signed, expiring link; they are served as bytes, never as a page.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { contentDisposition, safeFileName, servedContentType } from "../../functions/files/names.pure";
import { putFile, signedFileUrl } from "../../functions/files/store";
import { fetchWorker, servicesOf, staffHeaders } from "../helpers";

describe("file names and types", () => {
  it.each([
    ["../../etc/passwd", "passwd"],
    ["..\\..\\windows\\system32\\config", "config"],
    ["voicemail.wav", "voicemail.wav"],
    ["\u202egnp.exe", "gnp.exe"],
    ["a\u0000b\nc.txt", "abc.txt"],
    ["...", "attachment"],
    ["", "attachment"],
    [`${"x".repeat(300)}.wav`, `${"x".repeat(116)}.wav`],
  ])("makes %j safe: %j", (raw, safe) => {
    expect(safeFileName(raw, "attachment")).toBe(safe);
  });

  it.each([
    ["audio/wav", "audio/wav"],
    ["audio/mpeg; charset=x", "audio/mpeg"],
    ["image/png", "image/png"],
    ["text/html", "application/octet-stream"],
    ["image/svg+xml", "application/octet-stream"],
    ["application/javascript", "application/octet-stream"],
  ])("serves %s as %s", (stored, served) => {
    expect(servedContentType(stored)).toBe(served);
  });

  it("quotes names in Content-Disposition without letting them break out", () => {
    expect(contentDisposition('evil"; filename="x.html', false)).toBe(`attachment; filename="evil_; filename=_x.html"; filename*=UTF-8''evil%22%3B%20filename%3D%22x.html`);
  });
});

describe("file links", () => {
  async function stored(name: string, type: string, text: string) {
    return putFile(servicesOf(), { kind: "attachment", name, contentType: type, bytes: new TextEncoder().encode(text), now: new Date() });
  }

  it("a signed link serves the bytes until it expires, as a download with nosniff", async () => {
    const file = await stored("notes.html", "text/html", "<script>alert(1)</script>");
    const url = (await signedFileUrl({ publicUrl: "", ackSigningKey: env.ACK_SIGNING_KEY }, file.id, new Date(Date.now() + 60_000)))!;
    const res = await fetchWorker(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="notes.html"/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe("<script>alert(1)</script>");
    const expired = (await signedFileUrl({ publicUrl: "", ackSigningKey: env.ACK_SIGNING_KEY }, file.id, new Date(Date.now() - 1000)))!;
    expect((await fetchWorker(expired)).status).toBe(404);
  });

  it("refuses a tampered, guessed or other file's link", async () => {
    const a = await stored("a.txt", "text/plain", "a");
    const b = await stored("b.txt", "text/plain", "b");
    const url = (await signedFileUrl({ publicUrl: "", ackSigningKey: env.ACK_SIGNING_KEY }, a.id, new Date(Date.now() + 60_000)))!;
    expect((await fetchWorker(url.replace(a.id, b.id))).status).toBe(404);
    expect((await fetchWorker(url.slice(0, -1) + (url.endsWith("0") ? "1" : "0"))).status).toBe(404);
    expect((await fetchWorker(`/files/${a.id}`)).status).toBe(404);
    expect((await fetchWorker("/files/..%2F..%2Fetc%2Fpasswd")).status).toBe(404);
  });

  it("staff download needs a token and the reports:read scope", async () => {
    const file = await stored("v.wav", "audio/wav", "RIFF....WAVE");
    expect((await fetchWorker(`/api/admin/files/${file.id}`)).status).toBe(401);
    const res = await fetchWorker(`/api/admin/files/${file.id}`, { headers: staffHeaders() });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/wav");
    expect((await fetchWorker("/api/admin/files/f_00000000000000000000", { headers: staffHeaders() })).status).toBe(404);
  });
});
