// Runs in Node, outside workerd: starts the loopback fake provider server that stands in for
// everything beyond our edge (Turnstile, Twilio, Slack, ...) and hands its URL to the tests.
import type { TestProject } from "vitest/node";
import { startFakeProviderServer } from "../fakes/server";

export default async function setup(project: TestProject) {
  const server = await startFakeProviderServer();
  project.provide("fakeProviderUrl", server.url);
  return async () => server.close();
}
