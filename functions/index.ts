// The Worker entry: it only wires the handlers together. See docs/architecture.md.
import { createApp } from "./app";
import { handleScheduled } from "./cron/scheduled";
import { receiveEmail } from "./email/inbound";
import { handleQueue } from "./queue/consumer";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  email: (message, env, ctx) => receiveEmail(message, env, ctx),
  scheduled: async (controller, env, ctx) => {
    await handleScheduled(controller, env, ctx);
  },
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
} satisfies ExportedHandler<Env, unknown>;
