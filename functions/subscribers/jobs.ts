// Subscribers' part of the Worker's event loops: the delivery job, and the consumer of
// status.published. Registered by the queue dispatcher (functions/queue) with one line each.
import type { JobHandlers } from "../platform/tasks";
import { deliverToSubscribers } from "./deliver";

export { subscriberStatusConsumer } from "./fanout";

export const subscriberJobHandlers: JobHandlers = {
  "subscribers.deliver": async (job, { svc, now }) => void (await deliverToSubscribers(svc, job, now)),
};
