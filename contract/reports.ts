// Report vocabulary shared by intake (every channel), on-call routing and the site.
import { z } from "zod";

/** Where a report came in. Each is an adapter feeding the one intake function. */
export const ReportChannel = z.enum(["web", "api", "email", "x", "sms"]);
export type ReportChannel = z.infer<typeof ReportChannel>;

/** How urgent the reporter says it is (chosen on the form; channels without a choice: "high"). */
export const Urgency = z.enum(["critical", "high", "normal"]);
export type Urgency = z.infer<typeof Urgency>;

export const ReportState = z.enum(["new", "acknowledged", "resolved"]);
export type ReportState = z.infer<typeof ReportState>;
