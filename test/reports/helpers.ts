// Helpers for the report tests: requests through the real Worker entry, with env overrides
// (fake mail, failing D1, Turnstile pointed at the loopback fake) when a test needs them.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import worker from "../../functions/index";
import { BASE, fakeProviders } from "../helpers";

export { BASE };

let ipCounter = Math.floor(Math.random() * 200);
/** A client address of its own per call: the rate limiter's window is wall-clock aligned. */
export function uniqueIp(): string {
  ipCounter++;
  const r = crypto.getRandomValues(new Uint8Array(3));
  return `10.${r[0]}.${r[1]}.${(r[2]! + ipCounter) % 256}`;
}

export interface SentMail {
  to: string;
  from: string;
  subject: string;
  text: string;
}

/** A recording stand-in for the send_email binding. */
export function fakeMail(opts: { fail?: boolean } = {}) {
  const sent: SentMail[] = [];
  const binding = {
    send: vi.fn(async (m: SentMail) => {
      if (opts.fail) throw new Error("mail refused");
      sent.push(m);
      return { messageId: `<${crypto.randomUUID()}@test>` };
    }),
  };
  return { binding: binding as unknown as SendEmail, sent };
}

/** A D1 binding whose every call fails, as when D1 is unavailable. */
export const brokenDb = {
  prepare() {
    return {
      bind() {
        return this;
      },
      first: () => Promise.reject(new Error("D1_ERROR: database unavailable")),
      all: () => Promise.reject(new Error("D1_ERROR: database unavailable")),
      run: () => Promise.reject(new Error("D1_ERROR: database unavailable")),
    };
  },
  batch: () => Promise.reject(new Error("D1_ERROR: database unavailable")),
} as unknown as D1Database;

/** Calls the Worker with `overrides` merged into its env, and waits for waitUntil work. */
export async function call(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const req = new Request(new URL(path, BASE), init) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch(req, { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export const validForm = {
  name: "Ada Customer",
  email: "ada@example.com",
  phone: "",
  subject: "All sites on web12 answer 502",
  message: "Since 09:40 every site on web12 answers 502 Bad Gateway. Our shop is down.",
  urgency: "critical",
  component: "",
};

/** Posts the report form as a browser on our own origin would. */
export function postForm(
  fields: Record<string, string>,
  opts: { ip?: string; headers?: Record<string, string>; overrides?: Partial<Env>; path?: string } = {},
): Promise<Response> {
  return call(
    opts.path ?? "/report",
    {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: BASE,
        "cf-connecting-ip": opts.ip ?? uniqueIp(),
        ...opts.headers,
      },
      body: new URLSearchParams(fields).toString(),
    },
    opts.overrides,
  );
}

export function postApi(body: unknown, opts: { ip?: string; headers?: Record<string, string>; overrides?: Partial<Env> } = {}): Promise<Response> {
  return call(
    "/api/reports",
    {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": opts.ip ?? uniqueIp(), ...opts.headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    },
    opts.overrides,
  );
}

/** A unique text so reports of different tests never count as duplicates of each other. */
export function uniqueReport(extra: Record<string, string> = {}): typeof validForm & Record<string, string> {
  const tag = crypto.randomUUID().slice(0, 8);
  return { ...validForm, subject: `${validForm.subject} ${tag}`, email: `ada-${tag}@example.com`, ...extra };
}

export function turnstileEnv(secret: string): Partial<Env> {
  return { TURNSTILE_SECRET_KEY: secret, TURNSTILE_SITE_KEY: "1x00000000000000000000AA", TURNSTILE_VERIFY_URL: `${fakeProviders.url()}/turnstile/siteverify` };
}

export function referenceFrom(location: string | null): string {
  const ref = new URL(location ?? "", BASE).searchParams.get("ref");
  if (!ref) throw new Error(`no reference in ${location}`);
  return ref;
}
