// A local stand-in for an S3-compatible bucket with website hosting: the mirror's second
// provider on this machine. `npm start` runs it so a staff update shows in a local mirror you
// can open in a browser, and the Worker tests run it as the loopback fake of S3.
//
// Two loopback servers:
//   - the S3 API, path-style (`PUT|GET|HEAD|DELETE /<bucket>/<key>`). Every request must carry a
//     valid AWS Signature Version 4 (Authorization header), checked here from the AWS
//     specification with node:crypto alone: a request signed with the wrong secret, region,
//     date or payload hash gets S3's own error (403 SignatureDoesNotMatch, 400
//     XAmzContentSHA256Mismatch, ...). It is a second, independent implementation of what
//     aws4fetch does in the Worker, so a mistake on either side fails.
//   - the website endpoint, as S3 static website hosting serves a bucket: `/` is index.html,
//     a missing key answers 404 with the error document 404.html, stored Content-Type and
//     Cache-Control are sent back, and cross-origin GETs get `Access-Control-Allow-Origin: *`
//     (the bucket CORS rule README "The mirror" documents). The default bucket is served at
//     `/`, any other at `/~<bucket>/`.
//
// Objects live on disk under `dir/<bucket>/`, one file per key (the key URI-encoded, since S3
// keys are flat: "history" and "history/2" are both objects), metadata beside it in `.meta/`.
//
// For tests, on the API server: GET /__fake/requests (what was sent, in order),
// POST /__fake/script {bucket?, match?, responses: [{status, code, message?}]} (the next
// matching requests fail so), POST /__fake/buckets {name} (a bucket of its own per test).
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

const MAX_BODY = 20 * 1024 * 1024;
/** S3 refuses a request whose X-Amz-Date is further than this from its own clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const UNSIGNED = "UNSIGNED-PAYLOAD";

/**
 * @param {{ dir: string, bucket?: string, accessKeyId: string, secretAccessKey: string, region?: string,
 *           apiPort?: number, websitePort?: number }} options
 */
export async function startLocalS3(options) {
  const { dir, accessKeyId, secretAccessKey } = options;
  const region = options.region ?? "us-east-1";
  const defaultBucket = options.bucket ?? "mirror";
  mkdirSync(join(dir, defaultBucket), { recursive: true });
  /** @type {Array<Record<string, unknown>>} */
  const requests = [];
  /** @type {Array<{ bucket: string | null, match: string | null, response: { status: number, code: string, message?: string } }>} */
  const scripts = [];
  let seq = 0;

  const bucketDir = (bucket) => join(dir, bucket);
  const objectPath = (bucket, key) => join(dir, bucket, encodeURIComponent(key));
  const metaPath = (bucket, key) => join(dir, bucket, ".meta", `${encodeURIComponent(key)}.json`);
  const readObject = (bucket, key) => {
    const path = objectPath(bucket, key);
    if (!existsSync(path)) return null;
    return { body: readFileSync(path), meta: JSON.parse(readFileSync(metaPath(bucket, key), "utf8")) };
  };

  const api = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://s3.local");
    if (url.pathname.startsWith("/__fake/")) return control(url, req, res, body);
    const at = new Date();
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const key = rest.map(decodePathSegment).join("/");
    const entry = { seq: ++seq, method: req.method, bucket: decodePathSegment(bucket), key, contentType: req.headers["content-type"] ?? null, cacheControl: req.headers["cache-control"] ?? null, size: body.length, sha256: sha256Hex(body), at: at.toISOString(), status: 0, error: null };
    requests.push(entry);
    const fail = (status, code, message) => {
      entry.status = status;
      entry.error = code;
      sendXml(res, status, errorXml(code, message, url.pathname));
    };
    if (body.length > MAX_BODY) return fail(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.");
    const problem = verifySignature({ method: req.method ?? "GET", rawPath: (req.url ?? "/").split("?")[0], rawQuery: (req.url ?? "").split("?")[1] ?? "", headers: req.headers, body, now: at, accessKeyId, secretAccessKey, region });
    if (problem) return fail(problem.status, problem.code, problem.message);
    if (!/^[a-z0-9][a-z0-9.-]{2,62}$/.test(entry.bucket) || !existsSync(bucketDir(entry.bucket))) return fail(404, "NoSuchBucket", "The specified bucket does not exist.");
    const scripted = scripts.findIndex((s) => (s.bucket === null || s.bucket === entry.bucket) && (s.match === null || key.includes(s.match)));
    if (scripted >= 0) {
      const { response } = scripts.splice(scripted, 1)[0];
      return fail(response.status, response.code, response.message ?? response.code);
    }
    if (!key) return fail(405, "MethodNotAllowed", "Bucket operations are not supported by this stand-in.");
    if (key.split("/").some((s) => s === ".." || s === ".")) return fail(400, "InvalidArgument", "Invalid object key.");

    if (req.method === "PUT") {
      const meta = {
        contentType: req.headers["content-type"] ?? "binary/octet-stream",
        cacheControl: req.headers["cache-control"] ?? null,
        etag: `"${createHash("md5").update(body).digest("hex")}"`,
        lastModified: at.toUTCString(),
      };
      mkdirSync(join(bucketDir(entry.bucket), ".meta"), { recursive: true });
      writeFileSync(objectPath(entry.bucket, key), body);
      writeFileSync(metaPath(entry.bucket, key), JSON.stringify(meta));
      entry.status = 200;
      res.writeHead(200, { etag: meta.etag, "content-length": "0" });
      return res.end();
    }
    if (req.method === "GET" || req.method === "HEAD") {
      const object = readObject(entry.bucket, key);
      if (!object) return fail(404, "NoSuchKey", "The specified key does not exist.");
      entry.status = 200;
      res.writeHead(200, objectHeaders(object));
      return res.end(req.method === "HEAD" ? undefined : object.body);
    }
    if (req.method === "DELETE") {
      rmSync(objectPath(entry.bucket, key), { force: true });
      rmSync(metaPath(entry.bucket, key), { force: true });
      entry.status = 204;
      res.writeHead(204);
      return res.end();
    }
    return fail(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  });

  function control(url, req, res, body) {
    if (url.pathname === "/__fake/requests") {
      const bucket = url.searchParams.get("bucket");
      return sendJson(res, 200, requests.filter((r) => !bucket || r.bucket === bucket));
    }
    if (url.pathname === "/__fake/script" && req.method === "POST") {
      const { bucket = null, match = null, responses } = JSON.parse(body.toString("utf8"));
      for (const response of responses) scripts.push({ bucket, match, response });
      return sendJson(res, 204);
    }
    if (url.pathname === "/__fake/buckets" && req.method === "POST") {
      const { name } = JSON.parse(body.toString("utf8"));
      if (!/^[a-z0-9][a-z0-9.-]{2,62}$/.test(name)) return sendJson(res, 400, { error: "invalid bucket name" });
      mkdirSync(bucketDir(name), { recursive: true });
      return sendJson(res, 201, { name });
    }
    return sendJson(res, 404, { error: "unknown control path" });
  }

  const website = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://website.local");
    const cors = req.headers.origin ? { "access-control-allow-origin": "*" } : {};
    if (req.method === "OPTIONS") {
      res.writeHead(200, { ...cors, "access-control-allow-methods": "GET, HEAD", "access-control-max-age": "3600" });
      return res.end();
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      return res.end("405 Method Not Allowed");
    }
    let bucket = defaultBucket;
    let path = url.pathname;
    const named = /^\/~([a-z0-9][a-z0-9.-]{2,62})(\/.*)?$/.exec(path);
    if (named) {
      bucket = named[1];
      path = named[2] ?? "/";
    }
    let key = path.slice(1).split("/").map(decodePathSegment).join("/");
    if (key === "" || key.endsWith("/")) key += "index.html";
    const object = readObject(bucket, key);
    if (object) {
      if (req.headers["if-none-match"] === object.meta.etag) {
        res.writeHead(304, { ...cors, etag: object.meta.etag });
        return res.end();
      }
      res.writeHead(200, { ...objectHeaders(object), ...cors });
      return res.end(req.method === "HEAD" ? undefined : object.body);
    }
    if (readObject(bucket, `${key}/index.html`)) {
      res.writeHead(302, { location: `${named ? `/~${bucket}` : ""}/${key}/`, ...cors });
      return res.end();
    }
    const errorDocument = readObject(bucket, "404.html");
    if (errorDocument) {
      res.writeHead(404, { ...objectHeaders(errorDocument), ...cors });
      return res.end(req.method === "HEAD" ? undefined : errorDocument.body);
    }
    res.writeHead(404, { "content-type": "text/html; charset=utf-8", ...cors });
    res.end("<!doctype html><title>404 Not Found</title><h1>404 Not Found</h1><p>NoSuchKey</p>");
  });

  const apiPort = await listen(api, options.apiPort ?? 0);
  let websitePort;
  try {
    websitePort = await listen(website, options.websitePort ?? 0);
  } catch (err) {
    api.close();
    throw err;
  }
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  return {
    apiUrl,
    /** The bucket's S3 address, what MIRROR_S3_URL holds (path-style). */
    bucketUrl: `${apiUrl}/${defaultBucket}`,
    websiteUrl: `http://127.0.0.1:${websitePort}`,
    region,
    bucket: defaultBucket,
    servers: [api, website],
    close: () => Promise.all([api, website].map((s) => new Promise((resolve) => s.close(() => resolve(undefined))))),
  };
}

function objectHeaders(object) {
  return {
    "content-type": object.meta.contentType,
    ...(object.meta.cacheControl ? { "cache-control": object.meta.cacheControl } : {}),
    etag: object.meta.etag,
    "last-modified": object.meta.lastModified,
    "content-length": String(object.body.length),
  };
}

/**
 * Checks an AWS Signature Version 4 in the Authorization header, as S3 does (AWS General
 * Reference, "Signature Version 4 signing process"; Amazon S3 API, "Authenticating Requests:
 * Using the Authorization Header"). Returns null when it is valid, else S3's error.
 */
export function verifySignature({ method, rawPath, rawQuery, headers, body, now, accessKeyId, secretAccessKey, region }) {
  const auth = headers.authorization;
  if (!auth) return { status: 403, code: "AccessDenied", message: "Access Denied" };
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { status: 400, code: "AuthorizationHeaderMalformed", message: "The authorization header is malformed." };
  const [, keyId, scopeDate, scopeRegion, service, signedHeaderList, signature] = m;
  if (keyId !== accessKeyId) return { status: 403, code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records." };
  if (scopeRegion !== region) {
    return { status: 400, code: "AuthorizationHeaderMalformed", message: `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'.` };
  }
  if (service !== "s3") return { status: 400, code: "AuthorizationHeaderMalformed", message: `The authorization header is malformed; incorrect service "${service}". This endpoint belongs to "s3".` };
  const amzDate = headers["x-amz-date"];
  const dm = typeof amzDate === "string" ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate) : null;
  if (!dm) return { status: 403, code: "AccessDenied", message: "AWS authentication requires a valid Date or x-amz-date header." };
  const signedAt = Date.UTC(+dm[1], +dm[2] - 1, +dm[3], +dm[4], +dm[5], +dm[6]);
  if (Math.abs(now.getTime() - signedAt) > MAX_SKEW_MS) return { status: 403, code: "RequestTimeTooSkewed", message: "The difference between the request time and the current time is too large." };
  if (amzDate.slice(0, 8) !== scopeDate) return { status: 403, code: "SignatureDoesNotMatch", message: "The credential date does not match the request date." };
  const payloadHash = headers["x-amz-content-sha256"];
  if (typeof payloadHash !== "string") return { status: 400, code: "InvalidRequest", message: "Missing required header for this request: x-amz-content-sha256" };
  if (payloadHash !== UNSIGNED && payloadHash !== sha256Hex(body)) {
    return { status: 400, code: "XAmzContentSHA256Mismatch", message: "The provided 'x-amz-content-sha256' header does not match what was computed." };
  }
  const signedHeaders = signedHeaderList.split(";");
  for (const required of ["host", "x-amz-date"]) {
    if (!signedHeaders.includes(required)) return { status: 403, code: "AccessDenied", message: `The ${required} header must be signed.` };
  }
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${String(headers[name] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const canonicalRequest = [method, canonicalUri(rawPath), canonicalQuery(rawQuery), canonicalHeaders, signedHeaderList, payloadHash].join("\n");
  const scope = `${scopeDate}/${scopeRegion}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${secretAccessKey}`, scopeDate);
  key = hmac(key, scopeRegion);
  key = hmac(key, "s3");
  key = hmac(key, "aws4_request");
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 403, code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided. Check your key and signing method." };
  }
  return null;
}

/** Each path segment URI-encoded once (S3 does not double-encode), unreserved characters kept. */
function canonicalUri(rawPath) {
  return rawPath
    .split("/")
    .map((segment) => uriEncode(decodePathSegment(segment)))
    .join("/");
}

function canonicalQuery(rawQuery) {
  if (!rawQuery) return "";
  return rawQuery
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf("=");
      const name = i < 0 ? pair : pair.slice(0, i);
      const value = i < 0 ? "" : pair.slice(i + 1);
      return [uriEncode(decodeQueryPart(name)), uriEncode(decodeQueryPart(value))];
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/** RFC 3986 percent-encoding of every byte but A-Z a-z 0-9 - _ . ~, as SigV4 specifies. */
function uriEncode(text) {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function decodePathSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function decodeQueryPart(part) {
  return decodePathSegment(part.replace(/\+/g, " "));
}

function sha256Hex(data) {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key, data) {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function errorXml(code, message, resource) {
  const esc = (t) => String(t).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message><Resource>${esc(resource)}</Resource><RequestId>local</RequestId></Error>`;
}

function sendXml(res, status, xml) {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(xml);
}

function sendJson(res, status, body) {
  if (body === undefined) {
    res.writeHead(status);
    return res.end();
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(server.address().port);
    });
  });
}
