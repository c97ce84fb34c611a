// How the canary drives each intake path: through the path's own entry, in this invocation, the
// way its traffic arrives: the form and the JSON API as HTTP requests to this Worker's own
// routes; the email handler's code path with a synthetic mail; Twilio's SMS and voice webhooks
// and X's webhook as requests signed with the secrets the providers sign with; Mastodon's and
// Bluesky's pollers from the step after the network read (their stored-message handling).
// Each synthetic report carries its probe's marker (or, for the missed call, its CallSid).
// A driver throws when its path refused the report; `unavailable` says why a path cannot be
// driven here (not configured), which assurance shows instead of a verdict.
import { twilioSignature } from "../alerts/twilio-signature";
import type { Config } from "../platform/config";
import { isConfigured, networkOf } from "../social/registry";
import { storeInbound } from "../social/store";
import type { Services } from "../platform/services";
import type { CanaryPath, CanarySettings } from "./settings";

/** This Worker, called in-process: its HTTP routes and its email() handler. */
export interface SelfWorker {
  fetch(req: Request): Promise<Response>;
  email(message: ForwardableEmailMessage): Promise<void>;
}

export interface DriveContext {
  svc: Pick<Services, "db" | "queue">;
  env: Env;
  config: Config;
  settings: CanarySettings;
  worker: SelfWorker;
  probeId: string;
  /** For the phone path: the CallSid its probe is known by. */
  callSid: string;
  now: Date;
}

export interface PathDriver {
  unavailable(env: Env, config: Config): string | null;
  drive(ctx: DriveContext): Promise<string>;
}

const subject = (probeId: string) => `Assurance canary (canary:${probeId})`;
const text = (probeId: string) => `A synthetic report of the path canary: it pages nobody. canary:${probeId}`;

async function expectStatus(res: Response, ok: number[], what: string): Promise<void> {
  if (ok.includes(res.status)) return;
  throw new Error(`${what} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

/** A form POST signed as Twilio signs its webhooks (the URL under PUBLIC_URL). */
async function twilioRequest(env: Env, url: string, params: Record<string, string>): Promise<Request> {
  const signature = await twilioSignature(env.TWILIO_AUTH_TOKEN ?? "", url, Object.entries(params));
  return new Request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: new URLSearchParams(params).toString() });
}

function twilioUnavailable(env: Env): string | null {
  return env.TWILIO_AUTH_TOKEN && env.TWILIO_ACCOUNT_SID ? null : "TWILIO_AUTH_TOKEN and TWILIO_ACCOUNT_SID are not set: the hotline is not set up";
}

function hex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function xSelf(env: Env): string {
  return (env.X_USER_ID ?? "").trim() || /^(\d+)-/.exec(env.X_ACCESS_TOKEN ?? "")?.[1] || "";
}

function unescapeXml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export const pathDrivers: Record<CanaryPath, PathDriver> = {
  web: {
    unavailable: (_env, config) => (config.turnstile.secretKey ? "Turnstile is on: the form cannot be sent by a machine (the API path checks the same intake)" : null),
    async drive({ config, settings, worker, probeId }) {
      const body = new URLSearchParams({ name: "Assurance canary", email: settings.reporterEmail, subject: subject(probeId), message: text(probeId), urgency: "normal", form_id: crypto.randomUUID() });
      const res = await worker.fetch(
        new Request(`${config.publicUrl}/report`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: config.publicUrl, "cf-connecting-ip": settings.clientAddress },
          body,
        }),
      );
      await expectStatus(res, [303], "POST /report");
      return "POST /report (the form)";
    },
  },
  api: {
    unavailable: () => null,
    async drive({ config, settings, worker, probeId }) {
      const res = await worker.fetch(
        new Request(`${config.publicUrl}/api/reports`, {
          method: "POST",
          headers: { "content-type": "application/json", "cf-connecting-ip": settings.clientAddress, "idempotency-key": `canary-${probeId}` },
          body: JSON.stringify({ name: "Assurance canary", email: settings.reporterEmail, subject: subject(probeId), message: text(probeId), urgency: "normal" }),
        }),
      );
      await expectStatus(res, [201], "POST /api/reports");
      return "POST /api/reports (JSON)";
    },
  },
  email: {
    unavailable: (_env, config) => (config.email.intake.entries.some((e) => e.purpose === "report") ? null : "no report address in EMAIL_INTAKE"),
    async drive({ config, settings, worker, probeId, now }) {
      const to = config.email.intake.entries.find((e) => e.purpose === "report")!.address;
      const from = settings.reporterEmail;
      const raw = [
        `From: Assurance canary <${from}>`,
        `To: <${to}>`,
        `Subject: ${subject(probeId)}`,
        `Message-ID: <canary-${probeId}@assurance.invalid>`,
        `Date: ${now.toUTCString()}`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        text(probeId),
        "",
      ].join("\r\n");
      const bytes = new TextEncoder().encode(raw);
      let rejected: string | null = null;
      const message = {
        from,
        to,
        raw: new Response(bytes).body!,
        rawSize: bytes.byteLength,
        headers: new Headers({ from, to, subject: subject(probeId), "message-id": `<canary-${probeId}@assurance.invalid>` }),
        setReject: (reason: string) => void (rejected = reason),
        forward: async () => ({ messageId: "" }),
        reply: async () => ({ messageId: "" }),
      } as unknown as ForwardableEmailMessage;
      await worker.email(message);
      if (rejected) throw new Error(`the email handler refused the mail: ${rejected}`);
      return `the email handler's code path (to ${to}; not forwarded)`;
    },
  },
  sms: {
    unavailable: twilioUnavailable,
    async drive({ env, config, settings, worker, probeId }) {
      const url = `${config.publicUrl}/hooks/twilio/sms`;
      const params = { MessageSid: `SM${probeId}`, AccountSid: env.TWILIO_ACCOUNT_SID!, From: settings.callerNumber, To: env.TWILIO_FROM ?? "", Body: text(probeId), NumMedia: "0" };
      await expectStatus(await worker.fetch(await twilioRequest(env, url, params)), [200], "POST /hooks/twilio/sms");
      return "POST /hooks/twilio/sms (signed as Twilio)";
    },
  },
  phone: {
    unavailable: twilioUnavailable,
    async drive({ env, config, settings, worker, callSid }) {
      const base = { CallSid: callSid, AccountSid: env.TWILIO_ACCOUNT_SID! };
      const answer = await worker.fetch(await twilioRequest(env, `${config.publicUrl}/hooks/twilio/voice`, { ...base, From: settings.callerNumber, To: env.TWILIO_FROM ?? "" }));
      await expectStatus(answer, [200], "POST /hooks/twilio/voice");
      const twiml = await answer.text();
      const redirect = /<Redirect[^>]*>([^<]+)<\/Redirect>/.exec(twiml)?.[1];
      if (!twiml.includes("<Record") || !redirect) throw new Error(`the voice webhook answered no <Record> and <Redirect>: ${twiml.slice(0, 200)}`);
      // Nothing recorded: Twilio follows the <Redirect>, and the call is filed as a missed call.
      await expectStatus(await worker.fetch(await twilioRequest(env, unescapeXml(redirect), base)), [200], "the voicemail webhook");
      return "POST /hooks/twilio/voice, then its voicemail webhook (signed as Twilio; a missed call)";
    },
  },
  x: {
    unavailable: (env) => (env.X_CONSUMER_SECRET && xSelf(env) ? null : "X_CONSUMER_SECRET and the account (X_USER_ID or X_ACCESS_TOKEN) are not set"),
    async drive({ env, config, worker, probeId, now }) {
      const self = xSelf(env);
      const sender = "1000000000000000001";
      const body = JSON.stringify({
        data: {
          event_type: "dm.received",
          payload: {
            direct_message_events: [{ type: "message_create", id: String(BigInt(`0x${probeId.slice(0, 15)}`)), created_timestamp: String(now.getTime()), message_create: { sender_id: sender, target: { recipient_id: self }, message_data: { text: text(probeId) } } }],
            users: { [sender]: { id: sender, screen_name: "oob_canary", name: "Assurance canary" } },
          },
        },
      });
      const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.X_CONSUMER_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
      const res = await worker.fetch(
        new Request(`${config.publicUrl}/hooks/x`, { method: "POST", headers: { "content-type": "application/json", "x-twitter-webhooks-signature": `sha256=${btoa(String.fromCharCode(...mac))}` }, body }),
      );
      await expectStatus(res, [200], "POST /hooks/x");
      return "POST /hooks/x (a direct message, signed as X)";
    },
  },
  mastodon: socialDriver("mastodon"),
  bluesky: socialDriver("bluesky"),
};

/** The poller's path after the network read: a stored message handled by the shared inbound code. */
function socialDriver(network: "mastodon" | "bluesky"): PathDriver {
  return {
    unavailable: (env) => (isConfigured(networkOf(network), env) ? null : `${network} is not configured`),
    async drive({ svc, probeId, now }) {
      await storeInbound(
        svc,
        network,
        [
          {
            id: `canary-${probeId}`,
            kind: "direct",
            authorId: "assurance-canary",
            authorHandle: "assurance-canary",
            authorName: "Assurance canary",
            text: text(probeId),
            createdAt: now.toISOString(),
            conversationId: null,
            inReplyToId: null,
            isRepost: false,
            fromSelf: false,
            url: null,
            replyRef: null,
          },
        ],
        "poll",
        now,
      );
      return `the ${network} poller's handling of a fetched message (the network read is the poll's own check, social:${network}:poll)`;
    },
  };
}

export { hex };
