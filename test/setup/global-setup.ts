// Runs in Node, outside workerd: starts the loopback fake provider server that stands in for
// everything beyond our edge (Turnstile, Twilio, Slack, ...) and the loopback mail and TLS
// servers of the monitors' checks, and hands their addresses to the tests.
import type { TestProject } from "vitest/node";
import { startFakeMailServers } from "../fakes/mail.fake";
import { startFakeProviderServer } from "../fakes/server";

export default async function setup(project: TestProject) {
  const server = await startFakeProviderServer();
  const mail = await startFakeMailServers();
  project.provide("fakeProviderUrl", server.url);
  project.provide("fakeSmtpPorts", mail.smtp);
  project.provide("fakeTlsPort", mail.tls);
  return async () => {
    await Promise.all([server.close(), mail.close()]);
  };
}
