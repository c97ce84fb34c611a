// The Worker entry: it only wires the handlers together. See docs/architecture.md.
import { createApp } from "./app";
import { runScheduled } from "./cron/scheduled";
import { receiveEmail } from "./email/inbound";
import { handleQueue } from "./queue/consumer";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  email: (message, env, _ctx) => receiveEmail(message, env),
  scheduled: async (controller, env, _ctx) => {
    await runScheduled(env, new Date(controller.scheduledTime));
  },
  queue: (batch, env, _ctx) => handleQueue(batch, env),
} satisfies ExportedHandler<Env, unknown>;
