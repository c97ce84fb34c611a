// Helpers for the subscriber tests: the real Worker entry with a recording mail binding and a
// captured queue (the test decides when each job runs, as the consumer would), requests from
// client addresses of their own, and subscribers written as the routes write them.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Job } from "../../contract/jobs";
import worker from "../../functions/index";
import { buildServices, type OutgoingMail } from "../../functions/platform/services";
import { runJob } from "../../functions/queue/consumer";
import { addConfirmedEmailSubscribers } from "../../functions/subscribers/queries";
import { newSubscriberId } from "../../functions/subscribers/tokens";
import { BASE, fakeProviders, STAFF_TOKEN } from "../helpers";

export { BASE };
export const PUBLIC_URL = "https://status.example-hosting.test";

let ipCounter = Math.floor(Math.random() * 200);
/** A client address of its own per call: the rate limiter's window is wall-clock aligned. */
export function uniqueIp(): string {
  ipCounter++;
  const r = crypto.getRandomValues(new Uint8Array(3));
  return `10.${r[0]}.${r[1]}.${(r[2]! + ipCounter) % 256}`;
}

export function uniqueEmail(prefix = "sub"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}@customers.example`;
}

/**
 * Everything a subscriber test runs against: the Worker's env with a recording mail binding
 * (`failFor`: addresses whose mail the binding refuses) and a captured queue; the services a
 * job handler would get from it; and `drain` to run the captured jobs.
 */
export function subscriberTest(opts: { failFor?: Set<string>; overrides?: Partial<Env> } = {}) {
  const mail: OutgoingMail[] = [];
  const queued: Array<{ body: Job; delaySeconds: number }> = [];
  const email = {
    send: async (m: OutgoingMail) => {
      if (opts.failFor?.has(m.to)) throw new Error("mail service unavailable");
      mail.push(m);
      return { messageId: `<${crypto.randomUUID()}@test>` };
    },
  };
  const queue = {
    send: async (body: Job, o?: { delaySeconds?: number }) => void queued.push({ body, delaySeconds: o?.delaySeconds ?? 0 }),
    sendBatch: async (msgs: Iterable<{ body: Job; delaySeconds?: number }>) => {
      for (const m of msgs) queued.push({ body: m.body, delaySeconds: m.delaySeconds ?? 0 });
    },
  };
  const testEnv: Env = { ...env, EMAIL: email as unknown as SendEmail, FANOUT: queue as unknown as Queue, PUBLIC_URL, ...opts.overrides };
  const svc = buildServices(testEnv);

  /** Calls the Worker as a browser or client would, and waits for its waitUntil work. */
  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(new URL(path, BASE), init) as Request<unknown, IncomingRequestCfProperties>, testEnv, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  return {
    env: testEnv,
    svc,
    mail,
    queued,
    call,
    /** Posts the subscribe form as a browser on our own origin would. */
    subscribe(fields: Record<string, string | string[]>, o: { ip?: string; headers?: Record<string, string> } = {}) {
      const body = new URLSearchParams();
      for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
      return call("/subscribe", {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, "cf-connecting-ip": o.ip ?? uniqueIp(), ...o.headers },
        body: body.toString(),
      });
    },
    /** A staff API call (the status writes dispatch their event through this env). */
    staff(method: string, path: string, body?: unknown) {
      return call(path, {
        method,
        headers: { authorization: `Bearer ${STAFF_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    /** Runs every captured job as the consumer would (its handler), until none is left. */
    async drain(filter: (job: Job) => boolean = () => true): Promise<{ ran: Job[]; failed: Array<{ job: Job; error: unknown }> }> {
      const ran: Job[] = [];
      const failed: Array<{ job: Job; error: unknown }> = [];
      for (let guard = 0; guard < 10_000; guard++) {
        const i = queued.findIndex((q) => filter(q.body));
        if (i < 0) break;
        const [{ body }] = queued.splice(i, 1) as [{ body: Job; delaySeconds: number }];
        try {
          await runJob(body, svc);
          ran.push(body);
        } catch (error) {
          failed.push({ job: body, error });
        }
      }
      return { ran, failed };
    },
  };
}

export type SubscriberTest = ReturnType<typeof subscriberTest>;

/** Confirmed email subscribers, added as staff add them (components: none means all). */
export async function confirmedEmailSubscribers(list: Array<{ email: string; components?: string[] }>): Promise<string[]> {
  const rows = list.map((s) => ({ id: newSubscriberId(), email: s.email, components: s.components ?? [] }));
  await addConfirmedEmailSubscribers(env.DB, rows, new Date().toISOString());
  return rows.map((r) => r.id);
}

/** The link in a mail's text that starts with `prefix`. */
export function linkIn(text: string, prefix: string): string {
  const at = text.indexOf(prefix);
  if (at < 0) throw new Error(`no ${prefix} link in:\n${text}`);
  return text.slice(at).split(/\s/)[0]!;
}

/** The path of a link to our public URL, for a request to the test Worker. */
export function pathOf(link: string): string {
  const u = new URL(link);
  return u.pathname + u.search;
}

export const fakeUrl = () => fakeProviders.url();

export async function hookRequests(provider: string, pathPart: string) {
  return (await fakeProviders.requests(provider)).filter((r) => r.path.includes(pathPart));
}

export async function subscriberRow(id: string) {
  return env.DB.prepare("SELECT * FROM subscribers WHERE id = ?1").bind(id).first<Record<string, unknown>>();
}
