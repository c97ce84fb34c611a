// The seam between on-call configuration (who, when, in which order) and fan-out (alerts,
// channels, delivery). Configuration produces an EscalationPlan; fan-out walks it.
import { z } from "zod";

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "Use lowercase letters, digits, - and _ (max 64).");
const httpsUrl = z.url({ protocol: /^https?$/ });

/** One way to reach a person. Secrets shared by a whole deployment (Twilio credentials, bot
 * tokens) are Worker secrets, never part of this document. */
export const ContactMethod = z.discriminatedUnion("type", [
  z.object({ type: z.literal("email"), id: id.optional(), address: z.email() }),
  z.object({ type: z.literal("sms"), id: id.optional(), number: z.string().regex(/^\+[1-9]\d{6,14}$/, "Use E.164, e.g. +31612345678.") }),
  z.object({ type: z.literal("voice"), id: id.optional(), number: z.string().regex(/^\+[1-9]\d{6,14}$/, "Use E.164, e.g. +31612345678.") }),
  z.object({ type: z.literal("slack"), id: id.optional(), webhookUrl: httpsUrl }),
  z.object({ type: z.literal("discord"), id: id.optional(), webhookUrl: httpsUrl }),
  z.object({ type: z.literal("teams"), id: id.optional(), webhookUrl: httpsUrl }),
  z.object({ type: z.literal("telegram"), id: id.optional(), chatId: z.string().regex(/^-?\d{1,20}$|^@\w{5,32}$/) }),
  z.object({ type: z.literal("ntfy"), id: id.optional(), topic: z.string().regex(/^[\w-]{1,64}$/), server: httpsUrl.optional() }),
  z.object({ type: z.literal("pushover"), id: id.optional(), userKey: z.string().regex(/^[A-Za-z0-9]{30}$/) }),
  z.object({ type: z.literal("pagerduty"), id: id.optional(), routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/) }),
  z.object({ type: z.literal("webhook"), id: id.optional(), url: httpsUrl }),
]);
export type ContactMethod = z.infer<typeof ContactMethod>;
export type ChannelType = ContactMethod["type"];
export const channelTypes = ContactMethod.options.map((o) => o.shape.type.value) as ChannelType[];

/** A person to page, with their contact methods in the order they asked for. */
export interface PageTarget {
  personId: string;
  name: string;
  timezone: string;
  contactMethods: ContactMethod[];
}

/** Who to page, level by level, for one alert. Computed at alert time from the configuration. */
export interface EscalationPlan {
  policyId: string;
  levels: Array<{ timeoutMinutes: number; targets: PageTarget[] }>;
  /** How many times the whole policy runs again after its last level times out (0 = once). */
  repeat: number;
}
