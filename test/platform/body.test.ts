import { describe, expect, it } from "vitest";
import * as z from "zod";
import { readCapped, readJson } from "../../functions/platform/body";
import { ApiError } from "../../functions/platform/errors";

const schema = z.object({ name: z.string().min(1, "Give a name."), count: z.number().int().optional() });

function req(body: BodyInit | null, headers: Record<string, string> = { "content-type": "application/json" }) {
  return new Request("http://x/", { method: "POST", body, headers });
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("readJson: the one way JSON enters the Worker", () => {
  it("returns the parsed, validated body", async () => {
    expect(await readJson(req('{"name":"a","count":2}'), schema)).toEqual({ name: "a", count: 2 });
  });

  it("accepts a charset parameter on the content type", async () => {
    expect(await readJson(req('{"name":"a"}', { "content-type": "application/json; charset=utf-8" }), schema)).toEqual({ name: "a" });
  });

  const errors: Array<[string, Request, number, string, RegExp]> = [
    ["no content type", req(new TextEncoder().encode('{"name":"a"}'), {}), 415, "unsupported_media_type", /Content-Type header is missing/],
    ["form content type", req("name=a", { "content-type": "application/x-www-form-urlencoded" }), 415, "unsupported_media_type", /not application\/x-www-form-urlencoded/],
    ["declared too large", req("{}", { "content-type": "application/json", "content-length": "999999" }), 413, "payload_too_large", /larger than/],
    ["streamed too large", req(JSON.stringify({ name: "x".repeat(70_000) })), 413, "payload_too_large", /64 KB/],
    ["empty body", req(""), 400, "bad_request", /empty/],
    ["broken JSON", req("{name:"), 400, "bad_request", /not valid JSON/],
    ["schema failure", req('{"name":""}'), 400, "validation_failed", /name: Give a name/],
    ["wrong type", req('{"name":"a","count":"two"}'), 400, "validation_failed", /count/],
    ["an array instead of an object", req("[1,2]"), 400, "validation_failed", /object/],
  ];
  it.each(errors)("refuses %s", async (_name, request, status, code, message) => {
    const err = await failure(readJson(request, schema));
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it("names every bad field", async () => {
    const err = await failure(readJson(req('{"name":"","count":1.5}'), schema));
    expect(Object.keys(err.options.fields ?? {}).sort()).toEqual(["count", "name"]);
  });
});

describe("readCapped (a provider's answer, e.g. a voicemail from Twilio)", () => {
  const tooLarge = (declared: number | null) => new Error(declared === null ? "streamed past the cap" : `declared ${declared}`);

  it("reads a body within the cap whole", async () => {
    const bytes = await readCapped(new Response("x".repeat(100)), 100, tooLarge);
    expect(bytes.byteLength).toBe(100);
  });

  it("refuses by the declared length before reading, and while streaming when none is declared", async () => {
    const declared = new Response("x".repeat(10), { headers: { "content-length": "5000" } });
    await expect(readCapped(declared, 100, tooLarge)).rejects.toThrow("declared 5000");
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(64));
      },
    });
    await expect(readCapped(new Response(endless), 1000, tooLarge)).rejects.toThrow("streamed past the cap");
    // It stopped soon after the cap instead of reading on.
    expect(pulled).toBeLessThan(40);
  });
});
