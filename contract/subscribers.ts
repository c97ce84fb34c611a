// Subscriber vocabulary shared by the subscribe page (its field limits) and the Worker (the
// form's and the staff API's schemas).
import * as z from "zod";

export const subscriberLimits = {
  email: 254,
  url: 2048,
  /** Components one subscription may choose. */
  components: 100,
  /** Subscribers the staff API adds in one call (an export from another status page). */
  bulk: 1000,
} as const;

const ComponentId = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "Choose components from the list.");
const ComponentIds = z.array(ComponentId).max(subscriberLimits.components, `Choose at most ${subscriberLimits.components} components.`);

/** Addresses are kept in lower case: one subscription per mailbox, however it was typed. */
export const SubscriberEmail = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("Enter an email address like name@example.com.").max(subscriberLimits.email, "That email address is too long."));

export const HookUrl = z
  .string()
  .trim()
  .max(subscriberLimits.url, "That URL is too long.")
  .pipe(z.url({ protocol: /^https?$/, message: "Enter the full URL, starting with https://." }));

/** What the subscribe form sends (one of its two forms), after the honeypot was checked. */
export const SubscribeInput = z.discriminatedUnion("channel", [
  z.object({ channel: z.literal("email"), email: SubscriberEmail, components: ComponentIds }),
  z.object({ channel: z.enum(["webhook", "slack", "teams"], "Choose Slack, Microsoft Teams or Webhook."), url: HookUrl, components: ComponentIds }),
]);
export type SubscribeInput = z.infer<typeof SubscribeInput>;

/**
 * Staff add confirmed email subscribers in bulk (POST /api/admin/subscribers): a list exported
 * from the status page used before, whose subscribers already opted in there.
 */
export const AddSubscribersInput = z.strictObject({
  subscribers: z
    .array(z.strictObject({ email: SubscriberEmail, components: ComponentIds.default([]) }))
    .min(1, "Give at least one subscriber.")
    .max(subscriberLimits.bulk, `At most ${subscriberLimits.bulk} subscribers per call; send the rest in another.`),
});
export type AddSubscribersInput = z.infer<typeof AddSubscribersInput>;
