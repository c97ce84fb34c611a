// A line-oriented TCP connection over cloudflare:sockets with a deadline on every step, for
// the TCP, TLS and SMTP checks. A step past the deadline throws DeadlineError and the socket is
// closed, so a server that accepts and then says nothing cannot hold a cron run.
import { connect } from "cloudflare:sockets";

export class DeadlineError extends Error {
  constructor(readonly step: string) {
    super(`no answer to ${step} in time`);
    this.name = "DeadlineError";
  }
}

export function withDeadline<T>(promise: Promise<T>, deadline: number, step: string): Promise<T> {
  const ms = deadline - Date.now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(step)), Math.max(0, ms));
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Longest reply line we accept (RFC 5321 allows 512 octets; servers send a little more). */
const MAX_LINE = 4096;

export class LineConnection {
  private reader!: ReadableStreamDefaultReader<Uint8Array>;
  private writer!: WritableStreamDefaultWriter<Uint8Array>;
  private buffer = "";
  private decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();

  private constructor(private socket: Socket) {
    this.attach(socket);
  }

  /** Opens the connection and waits until it is established (or the deadline). */
  static async open(host: { hostname: string; port: number }, secureTransport: "off" | "on" | "starttls", deadline: number): Promise<LineConnection> {
    const socket = connect(host, { secureTransport, allowHalfOpen: false });
    // Never leave these promises unobserved: a refused connection rejects both.
    socket.closed.catch(() => undefined);
    const conn = new LineConnection(socket);
    try {
      await withDeadline(socket.opened, deadline, "the connection");
    } catch (err) {
      await conn.close();
      throw err;
    }
    return conn;
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
    this.buffer = "";
    this.decoder = new TextDecoder();
  }

  /** The next line without its CRLF, or null when the server closed the connection. */
  async readLine(deadline: number, step: string): Promise<string | null> {
    for (;;) {
      const end = this.buffer.indexOf("\n");
      if (end >= 0) {
        const line = this.buffer.slice(0, end).replace(/\r$/, "");
        this.buffer = this.buffer.slice(end + 1);
        return line;
      }
      if (this.buffer.length > MAX_LINE) throw new Error(`the server sent a line longer than ${MAX_LINE} characters`);
      const { done, value } = await withDeadline(this.reader.read(), deadline, step);
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  async writeLine(line: string, deadline: number, step: string): Promise<void> {
    await withDeadline(this.writer.write(this.encoder.encode(`${line}\r\n`)), deadline, step);
  }

  /** STARTTLS: hands the connection to TLS (needs secureTransport "starttls" at open). */
  async upgradeToTls(deadline: number): Promise<void> {
    if (this.buffer.length > 0) throw new Error("the server sent data after agreeing to STARTTLS");
    this.reader.releaseLock();
    this.writer.releaseLock();
    const tls = this.socket.startTls();
    tls.closed.catch(() => undefined);
    this.attach(tls);
    await withDeadline(tls.opened, deadline, "the TLS handshake");
  }

  async close(): Promise<void> {
    try {
      await this.socket.close();
    } catch {
      // Already closed or never opened: nothing left to release.
    }
  }
}
