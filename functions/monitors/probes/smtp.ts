// SMTP check through cloudflare:sockets: the greeting, EHLO, STARTTLS where offered (or
// required), MAIL FROM, RCPT TO the monitor mailbox (when one is configured), then QUIT. No
// message is ever sent (no DATA). Any 4xx or 5xx reply fails the check.
import { parseHostPort, type SmtpMonitorConfig } from "../config.pure";
import { describeError, withLatencyThreshold, type ProbeResult } from "./result.pure";
import { capabilities, ReplyCollector, stageProblem, type SmtpReply, type SmtpStage } from "./smtp.pure";
import { DeadlineError, LineConnection } from "./socket";
import type { ProbeContext } from "./types";

class StageFailed extends Error {}

async function readReply(conn: LineConnection, stage: SmtpStage, deadline: number): Promise<SmtpReply> {
  const collector = new ReplyCollector();
  for (;;) {
    const line = await conn.readLine(deadline, stage);
    if (line === null) throw new StageFailed(`The server closed the connection instead of answering ${stage === "banner" ? "with a greeting" : stage.toUpperCase()}.`);
    const reply = collector.push(line);
    if (reply) return reply;
  }
}

async function step(conn: LineConnection, stage: SmtpStage, command: string | null, deadline: number): Promise<SmtpReply> {
  if (command !== null) await conn.writeLine(command, deadline, stage);
  const reply = await readReply(conn, stage, deadline);
  const problem = stageProblem(stage, reply);
  if (problem) throw new StageFailed(problem);
  return reply;
}

export async function probeSmtp(m: SmtpMonitorConfig, ctx: ProbeContext): Promise<ProbeResult> {
  const host = parseHostPort(m.target, null)!;
  const started = Date.now();
  let conn: LineConnection | null = null;
  let stage: SmtpStage | "connect" = "connect";
  let tls = false;
  try {
    conn = await LineConnection.open(host, m.startTls === "off" ? "off" : "starttls", ctx.deadline);
    stage = "banner";
    await step(conn, "banner", null, ctx.deadline);
    stage = "ehlo";
    const ehlo = await step(conn, "ehlo", `EHLO ${m.helo}`, ctx.deadline);
    const offersTls = capabilities(ehlo).has("STARTTLS");
    if (m.startTls === "require" && !offersTls) throw new StageFailed("The server does not offer STARTTLS, and this check requires it.");
    if (m.startTls !== "off" && offersTls) {
      stage = "starttls";
      await step(conn, "starttls", "STARTTLS", ctx.deadline);
      try {
        await conn.upgradeToTls(ctx.deadline);
      } catch (err) {
        if (err instanceof DeadlineError) throw err;
        throw new StageFailed(`STARTTLS was accepted but the TLS handshake failed: ${describeError(err)}`);
      }
      tls = true;
      stage = "ehlo-after-tls";
      await step(conn, "ehlo-after-tls", `EHLO ${m.helo}`, ctx.deadline);
    }
    stage = "mail";
    await step(conn, "mail", `MAIL FROM:<${m.mailFrom}>`, ctx.deadline);
    if (m.rcptTo) {
      stage = "rcpt";
      await step(conn, "rcpt", `RCPT TO:<${m.rcptTo}>`, ctx.deadline);
    }
    const latencyMs = Date.now() - started;
    // The verdict is in; a server that fumbles QUIT has still accepted the mail.
    try {
      await conn.writeLine("QUIT", ctx.deadline, "quit");
      await readReply(conn, "quit", Math.min(ctx.deadline, Date.now() + 2000));
    } catch {
      // Ignored on purpose: see above.
    }
    const accepted = m.rcptTo ? `RCPT TO <${m.rcptTo}> accepted` : "MAIL FROM accepted";
    return withLatencyThreshold(
      { level: "up", latencyMs, message: `SMTP dialogue OK in ${latencyMs} ms (${tls ? "STARTTLS" : "no TLS"}, ${accepted}).`, detail: { tls } },
      m.thresholds.latencyMs,
    );
  } catch (err) {
    const latencyMs = Date.now() - started;
    if (err instanceof StageFailed) {
      if (conn) await conn.writeLine("QUIT", Math.min(ctx.deadline, Date.now() + 1000), "quit").catch(() => undefined);
      return { level: "down", latencyMs, message: err.message, detail: { stage, tls } };
    }
    if (err instanceof DeadlineError) {
      const what = stage === "connect" ? "The connection was not established" : `No answer to ${stage === "banner" ? "the connection (no greeting)" : stage.toUpperCase()}`;
      return { level: "down", latencyMs: null, message: `${what} within ${m.timeout} s.`, detail: { stage, tls } };
    }
    const where = stage === "connect" ? `Could not connect to ${m.target}` : `The SMTP dialogue broke off at ${stage.toUpperCase()}`;
    return { level: "down", latencyMs: null, message: `${where}: ${describeError(err)}`, detail: { stage, tls } };
  } finally {
    await conn?.close();
  }
}
