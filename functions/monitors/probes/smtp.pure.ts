// SMTP replies (RFC 5321 section 4.2): parsing, the capabilities EHLO lists, and what each
// stage of the check expects. Any 4xx or 5xx fails the check: "452 4.3.1 Insufficient system
// storage" is a full disk, the very failure this product exists for. Pure and table-tested.

export interface SmtpReply {
  code: number;
  /** The text of each line, without the code. */
  lines: string[];
}

/** One reply line: "250-PIPELINING" continues, "250 OK" (or a bare "250") ends the reply. */
export function parseReplyLine(line: string): { code: number; last: boolean; text: string } | null {
  const m = /^([2-5]\d\d)([ -]|$)(.*)$/.exec(line);
  if (!m) return null;
  return { code: Number(m[1]), last: m[2] !== "-", text: m[3] ?? "" };
}

/** Collects lines into one reply; throws on a line that is not SMTP or changes code midway. */
export class ReplyCollector {
  private lines: string[] = [];
  private code: number | null = null;

  push(line: string): SmtpReply | null {
    const parsed = parseReplyLine(line);
    if (!parsed) throw new Error(`the server sent something that is not an SMTP reply: "${line.slice(0, 80)}"`);
    if (this.code !== null && parsed.code !== this.code) throw new Error(`the server changed reply code within one reply (${this.code}, then ${parsed.code})`);
    this.code = parsed.code;
    this.lines.push(parsed.text);
    if (!parsed.last) return null;
    const reply = { code: parsed.code, lines: this.lines };
    this.lines = [];
    this.code = null;
    return reply;
  }
}

/** The extensions an EHLO reply lists (upper-case keywords, e.g. STARTTLS, SIZE, AUTH). */
export function capabilities(ehlo: SmtpReply): Set<string> {
  return new Set(ehlo.lines.slice(1).map((l) => l.trim().split(/\s+/)[0]!.toUpperCase()).filter(Boolean));
}

export type SmtpStage = "banner" | "ehlo" | "starttls" | "ehlo-after-tls" | "mail" | "rcpt" | "quit";

const expected: Record<SmtpStage, number[]> = {
  banner: [220],
  ehlo: [250],
  starttls: [220],
  "ehlo-after-tls": [250],
  mail: [250],
  rcpt: [250, 251],
  quit: [221],
};

export const stageLabel: Record<SmtpStage, string> = {
  banner: "The greeting",
  ehlo: "EHLO",
  starttls: "STARTTLS",
  "ehlo-after-tls": "EHLO after STARTTLS",
  mail: "MAIL FROM",
  rcpt: "RCPT TO",
  quit: "QUIT",
};

export function replyText(r: SmtpReply): string {
  return `${r.code} ${r.lines.join(" ").trim()}`.trim().slice(0, 300);
}

/** null when the reply is what this stage expects; otherwise why the check fails. */
export function stageProblem(stage: SmtpStage, r: SmtpReply): string | null {
  if (expected[stage].includes(r.code)) return null;
  const kind = r.code >= 500 ? "a permanent error" : r.code >= 400 ? "a temporary error" : "an unexpected reply";
  return `${stageLabel[stage]} answered ${replyText(r)} (${kind}).`;
}
