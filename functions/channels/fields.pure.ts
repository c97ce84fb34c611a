// Contact-method fields more than one channel uses, with their messages. Each channel's own
// fields live in its folder; these are shared so that, say, every webhook URL is checked alike.
import { z } from "zod";

/** A webhook or server URL. Plain http is allowed for self-hosted servers on a private network. */
export const httpUrl = z.url({ protocol: /^https?$/ });

/** A phone number in E.164 form. */
export const e164Number = z.string().regex(/^\+[1-9]\d{6,14}$/, "Use E.164, e.g. +31612345678.");
