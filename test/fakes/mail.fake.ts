// Loopback mail and TLS servers for the SMTP and TLS checks (Node, started by the global setup).
// They speak real SMTP (RFC 5321 replies, multi-line EHLO, STARTTLS) and answer according to
// the addresses used, as provider test numbers do:
//   MAIL FROM:<full@...>  -> 452 4.3.1 Insufficient system storage (a full disk)
//   MAIL FROM:<reject@...>-> 553 5.7.1 Sender address rejected
//   RCPT TO:<full@...>    -> 452 4.3.1 Insufficient system storage
//   RCPT TO:<unknown@...> -> 550 5.1.1 Recipient address rejected: User unknown
//   RCPT TO:<slow@...>    -> no answer (a hung server)
//   EHLO name containing "starttls" -> STARTTLS is offered (then a TLS handshake with a
//                            self-signed certificate, which the Workers runtime refuses)
// Three listeners: "normal" as above, "busy" greets with 421 and hangs up, "silent" accepts and
// never says anything. Sessions are recorded per EHLO name; tests read them over the fake
// provider server at /smtp-sessions?helo=NAME (each test uses its own EHLO name).
import { createServer, type Server, type Socket } from "node:net";
import { TLSSocket, createServer as createTlsServer } from "node:tls";
import type { AddressInfo } from "node:net";
import type { ProviderFake, SmtpSession } from "./types";

/** Test only: a self-signed certificate for CN=localhost, valid for 100 years. Never trusted. */
export const SELF_SIGNED_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUVr0w7Gu4Vz1X3VOHa4R4TeyX4U0wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwMTEzMTMyNloYDzIxMjYxMTA3
MTMxMzI2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQVKEUMCoypZxc6an9nIZwACYq3dYiHQ4CQ3X9wnq5GZCsnQ4ZfoXmR
1Hn9HxYxWzs3DxrhYYOi5r5QwQH10BQso28wbTAdBgNVHQ4EFgQUwHHJWWC71CIa
HY2pG7+rHsTSY10wHwYDVR0jBBgwFoAUwHHJWWC71CIaHY2pG7+rHsTSY10wDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIhAOArykX7ylzbv1zcvi/q+3wdrybK9+OfAKaUDPqAs9YGAiBK
Vqy0/+7y8cbgjhYqM4C8pW89F3B709i16RkrZbowEw==
-----END CERTIFICATE-----`;
export const SELF_SIGNED_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+hNeHovys837XIOa
QlXQwabVVERMtCTDtFEWhdsXp0ShRANCAAQVKEUMCoypZxc6an9nIZwACYq3dYiH
Q4CQ3X9wnq5GZCsnQ4ZfoXmR1Hn9HxYxWzs3DxrhYYOi5r5QwQH10BQs
-----END PRIVATE KEY-----`;

const sessions: SmtpSession[] = [];

export const smtpSessionsFake: ProviderFake = {
  name: "smtp-sessions",
  prefix: "/smtp-sessions",
  respond(req) {
    const helo = new URLSearchParams(req.path.split("?")[1] ?? "").get("helo");
    return { status: 200, body: sessions.filter((s) => s.helo === helo) };
  },
};

type Mode = "normal" | "busy" | "silent";

function localPart(arg: string): string {
  return (/<([^@>]*)@?[^>]*>/.exec(arg)?.[1] ?? "").toLowerCase();
}

function serve(mode: Mode, socket: Socket): void {
  socket.on("error", () => undefined);
  const session: SmtpSession = { helo: null, mode, lines: [] };
  sessions.push(session);
  if (mode === "silent") return;
  const say = (line: string) => {
    session.lines.push(`S: ${line}`);
    socket.write(`${line}\r\n`);
  };
  if (mode === "busy") {
    say("421 4.3.2 mx.example-hosting.test Service not available, closing transmission channel");
    socket.end();
    return;
  }
  say("220 mx.example-hosting.test ESMTP fake");
  let buffer = "";
  socket.setEncoding("utf8");
  const onData = (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, "");
      buffer = buffer.slice(end + 1);
      session.lines.push(`C: ${line}`);
      const [verb = "", ...rest] = line.split(" ");
      const arg = rest.join(" ");
      switch (verb.toUpperCase()) {
        case "EHLO":
          session.helo = arg;
          say("250-mx.example-hosting.test");
          say("250-PIPELINING");
          say("250-SIZE 52428800");
          if (arg.includes("starttls")) say("250-STARTTLS");
          say("250 8BITMIME");
          break;
        case "HELO":
          session.helo = arg;
          say("250 mx.example-hosting.test");
          break;
        case "STARTTLS": {
          say("220 2.0.0 Ready to start TLS");
          socket.off("data", onData);
          const tls = new TLSSocket(socket, { isServer: true, cert: SELF_SIGNED_CERT, key: SELF_SIGNED_KEY });
          tls.on("error", (err) => session.lines.push(`S: (TLS handshake failed: ${err.message})`));
          return;
        }
        case "MAIL": {
          const who = localPart(arg);
          if (who === "full") say("452 4.3.1 Insufficient system storage");
          else if (who === "reject") say("553 5.7.1 Sender address rejected: not owned by you");
          else say("250 2.1.0 Ok");
          break;
        }
        case "RCPT": {
          const who = localPart(arg);
          if (who === "full") say("452 4.3.1 Insufficient system storage");
          else if (who === "unknown") say("550 5.1.1 Recipient address rejected: User unknown in local recipient table");
          else if (who === "slow") session.lines.push("S: (no answer)");
          else say("250 2.1.5 Ok");
          break;
        }
        case "RSET":
        case "NOOP":
          say("250 2.0.0 Ok");
          break;
        case "QUIT":
          say("221 2.0.0 Bye");
          socket.end();
          return;
        default:
          say("502 5.5.2 Error: command not recognized");
      }
    }
  };
  socket.on("data", onData);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

export interface FakeMailServers {
  smtp: Record<Mode, number>;
  /** A TLS server with the self-signed certificate: every handshake from the Worker fails. */
  tls: number;
  close(): Promise<void>;
}

export async function startFakeMailServers(): Promise<FakeMailServers> {
  const servers: Server[] = [];
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  };
  const smtp = {} as Record<Mode, number>;
  for (const mode of ["normal", "busy", "silent"] as const) {
    const server = createServer((socket) => {
      track(socket);
      serve(mode, socket);
    });
    servers.push(server);
    smtp[mode] = await listen(server);
  }
  const tlsServer = createTlsServer({ cert: SELF_SIGNED_CERT, key: SELF_SIGNED_KEY }, (s) => s.end("hello\r\n"));
  tlsServer.on("connection", track);
  tlsServer.on("tlsClientError", () => undefined);
  servers.push(tlsServer);
  const tls = await listen(tlsServer);
  return {
    smtp,
    tls,
    close: async () => {
      // A silent or hung session would keep close() waiting: end them first.
      for (const socket of open) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
