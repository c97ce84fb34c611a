// What subscribers are told, already decided, and how each channel shapes it: a mail (text),
// a Slack message, a Teams card, a signed webhook body shaped like Statuspage's webhooks (so
// receivers written for Statuspage read ours). Mails to people who typed their address in our
// form (the confirmation) repeat nothing they wrote.
import type { StatusPublishedJob } from "../../contract/jobs";
import type { ComponentStatus } from "../../contract/status";
import { componentStatusLabel, impactLabel, incidentStatusLabel } from "../../contract/status";
import { truncate } from "../platform/text.pure";
import { formatUtc } from "../status/format.pure";
import type { Component, Incident } from "../status/model.pure";
import { componentJson, incidentJson, PAGE_ID, type ComponentJson, type IncidentJson } from "../status/statuspage.pure";

export interface Notice {
  eventId: string;
  kind: StatusPublishedJob["kind"];
  /** The incident's or maintenance's title, or the component's name. */
  title: string;
  /** The update's status ("identified"), or the component's new status. */
  status: string;
  statusLabel: string;
  impact: string | null;
  /** The update's text, or what changed for a component moved on its own. */
  body: string;
  at: string;
  /** Where to read more: the incident's page, or the status page. */
  url: string;
  affected: Array<{ name: string; from: ComponentStatus; to: ComponentStatus }>;
  window: { from: string; until: string } | null;
  /** Statuspage v2 shapes for webhooks. */
  incident: IncidentJson | null;
  componentUpdate: { component: ComponentJson; from: ComponentStatus; to: ComponentStatus } | null;
}

/**
 * The notice of an event, from the incident (or components) as stored now. Null when there is
 * nothing to tell: the update or component has gone since.
 */
export function noticeOf(event: StatusPublishedJob, incident: Incident | null, components: ReadonlyMap<string, Component>, publicUrl: string): Notice | null {
  const affected = event.changes.flatMap((c) => {
    const component = components.get(c.componentId);
    return component ? [{ name: component.name, from: c.from, to: c.to }] : [];
  });
  if (event.kind === "component") {
    const change = event.changes[0];
    const component = change ? components.get(change.componentId) : undefined;
    if (!change || !component) return null;
    const names = affected.map((a) => a.name).join(", ");
    return {
      eventId: event.eventId,
      kind: "component",
      title: names,
      status: change.to,
      statusLabel: componentStatusLabel[change.to],
      impact: null,
      body: affected.map((a) => `${a.name} is now ${componentStatusLabel[a.to].toLowerCase()} (it was ${componentStatusLabel[a.from].toLowerCase()}).`).join("\n"),
      at: event.at,
      url: `${publicUrl}/`,
      affected,
      window: null,
      incident: null,
      componentUpdate: { component: componentJson(component), from: change.from, to: change.to },
    };
  }
  if (!incident) return null;
  const update = incident.updates.find((u) => u.id === event.updateId);
  if (!update) return null;
  const json = incidentJson(incident, components, publicUrl);
  return {
    eventId: event.eventId,
    kind: event.kind,
    title: incident.name,
    status: update.status,
    statusLabel: incidentStatusLabel[update.status],
    impact: incident.kind === "incident" ? incident.impact : null,
    body: update.body,
    at: update.displayAt,
    url: json.shortlink,
    affected,
    window: incident.scheduledFor && incident.scheduledUntil ? { from: incident.scheduledFor, until: incident.scheduledUntil } : null,
    incident: json,
    componentUpdate: null,
  };
}

/** One line per moved component, as people read it. */
function affectedLines(n: Notice): string[] {
  return n.affected.map((a) => `  ${a.name}: ${componentStatusLabel[a.to]}${a.from !== a.to ? ` (was ${componentStatusLabel[a.from].toLowerCase()})` : ""}`);
}

function headline(n: Notice): string {
  if (n.kind === "maintenance") return `Maintenance: ${n.title} (${n.statusLabel.toLowerCase()})`;
  if (n.kind === "component") return `${n.title}: ${n.statusLabel.toLowerCase()}`;
  return `${n.title}: ${n.statusLabel.toLowerCase()}`;
}

export interface MailText {
  subject: string;
  text: string;
}

/** A status mail. The subject stays on one line and within what every provider takes. */
export function statusMail(n: Notice, o: { siteName: string; unsubscribeUrl: string; allComponents: boolean }): MailText {
  const lines = [
    headline(n),
    `${formatUtc(n.at)}${n.impact && n.impact !== "none" ? ` · impact: ${impactLabel[n.impact as keyof typeof impactLabel].toLowerCase()}` : ""}`,
    ...(n.window ? [`Planned from ${formatUtc(n.window.from)} until ${formatUtc(n.window.until)}`] : []),
    "",
    n.body,
    ...(n.affected.length > 0 ? ["", "Components:", ...affectedLines(n)] : []),
    "",
    `Details and all updates: ${n.url}`,
    "",
    "--",
    `You get this because this address subscribed to ${o.siteName} status updates${o.allComponents ? "" : " for some components"}.`,
    `Unsubscribe with one click: ${o.unsubscribeUrl}`,
  ];
  return { subject: truncate(`[${o.siteName}] ${headline(n)}`.replace(/\s+/g, " "), 200), text: lines.join("\n") };
}

/**
 * The double opt-in mail. Whoever types an address into the form makes us send this, so it
 * carries nothing they wrote: only our name, the link and what ignoring it means.
 */
export function confirmationMail(o: { siteName: string; confirmUrl: string; statusUrl: string; hoursValid: number }): MailText {
  return {
    subject: `Confirm your subscription to ${o.siteName} status updates`,
    text: [
      "Hello,",
      "",
      `Someone asked to receive ${o.siteName} status updates at this address. To confirm that it was you, open this link and press the button:`,
      "",
      o.confirmUrl,
      "",
      `The link works for ${o.hoursValid} hours. If you did not ask for this, ignore this mail: you will get nothing more from us.`,
      "",
      `Current status: ${o.statusUrl}`,
      "",
      o.siteName,
    ].join("\n"),
  };
}

/** Sent when someone subscribes an address that is already subscribed: nothing changes. */
export function alreadySubscribedMail(o: { siteName: string; unsubscribeUrl: string; statusUrl: string }): MailText {
  return {
    subject: `You already get ${o.siteName} status updates`,
    text: [
      "Hello,",
      "",
      `Someone asked to receive ${o.siteName} status updates at this address, which already gets them. Nothing has changed.`,
      "",
      "To choose other components, unsubscribe and subscribe again. To stop the updates:",
      o.unsubscribeUrl,
      "",
      `Current status: ${o.statusUrl}`,
      "",
      o.siteName,
    ].join("\n"),
  };
}

/** Slack escapes only these three in text, and `<` starts its links and @channel mentions. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slackMessage(n: Notice, o: { siteName: string; unsubscribeUrl: string }): { text: string; blocks: unknown[] } {
  const meta = [`*${slackEscape(n.statusLabel)}* · ${slackEscape(formatUtc(n.at))}`];
  if (n.window) meta.push(`planned ${slackEscape(formatUtc(n.window.from))} to ${slackEscape(formatUtc(n.window.until))}`);
  return {
    text: slackEscape(truncate(`${o.siteName}: ${headline(n)}`, 300)),
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncate(headline(n), 150), emoji: false } },
      { type: "context", elements: [{ type: "mrkdwn", text: meta.join(" · ") }] },
      { type: "section", text: { type: "mrkdwn", text: slackEscape(truncate(n.body, 2900)) } },
      ...(n.affected.length > 0 ? [{ type: "section", text: { type: "mrkdwn", text: slackEscape(truncate(affectedLines(n).join("\n").replace(/^ {2}/gm, "• "), 2900)) } }] : []),
      { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Details" }, url: n.url }] },
      { type: "context", elements: [{ type: "mrkdwn", text: `${slackEscape(o.siteName)} status updates · <${o.unsubscribeUrl}|Unsubscribe>` }] },
    ],
  };
}

/** A Teams Workflows webhook message: one Adaptive Card. */
export function teamsMessage(n: Notice, o: { siteName: string; unsubscribeUrl: string }): unknown {
  const facts = [
    { title: "Status", value: n.statusLabel },
    { title: "When", value: formatUtc(n.at) },
    ...(n.window ? [{ title: "Planned", value: `${formatUtc(n.window.from)} to ${formatUtc(n.window.until)}` }] : []),
    ...n.affected.map((a) => ({ title: a.name, value: componentStatusLabel[a.to] })),
  ];
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body: [
      { type: "TextBlock", text: truncate(headline(n), 200), weight: "Bolder", size: "Medium", wrap: true },
      { type: "FactSet", facts },
      { type: "TextBlock", text: truncate(n.body, 4000), wrap: true },
      { type: "TextBlock", text: `${o.siteName} status updates`, isSubtle: true, size: "Small", wrap: true },
    ],
    actions: [
      { type: "Action.OpenUrl", title: "Details", url: n.url },
      { type: "Action.OpenUrl", title: "Unsubscribe", url: o.unsubscribeUrl },
    ],
  };
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }] };
}

/**
 * A webhook body as Statuspage sends its own: `meta`, `page` with the page's indicator, then
 * `incident` (incidents and maintenance) or `component_update` with `component`.
 */
export function webhookBody(n: Notice, o: { unsubscribeUrl: string; documentationUrl: string; page: { indicator: string; description: string } }): Record<string, unknown> {
  const base = {
    meta: { unsubscribe: o.unsubscribeUrl, documentation: o.documentationUrl, generated_at: n.at, event_id: n.eventId },
    page: { id: PAGE_ID, status_indicator: o.page.indicator, status_description: o.page.description },
  };
  if (n.componentUpdate) {
    const c = n.componentUpdate;
    return {
      ...base,
      component_update: { id: n.eventId, created_at: n.at, component_id: c.component.id, old_status: c.from, new_status: c.to },
      component: c.component,
    };
  }
  return { ...base, incident: n.incident };
}

/** The verification ping of a new webhook subscription: it must answer with `challenge`. */
export function webhookVerifyBody(o: { subscriptionId: string; challenge: string; siteName: string; documentationUrl: string }): Record<string, unknown> {
  return {
    type: "subscription.verify",
    subscription_id: o.subscriptionId,
    challenge: o.challenge,
    page: { id: PAGE_ID, name: o.siteName },
    meta: { documentation: o.documentationUrl },
  };
}

/** The first message to a Slack or Teams subscription (its 2xx proves the URL takes posts). */
export function welcomeNotice(o: { siteName: string; statusUrl: string; at: string }): Notice {
  return {
    eventId: "welcome",
    kind: "component",
    title: `${o.siteName} status updates`,
    status: "subscribed",
    statusLabel: "Subscribed",
    impact: null,
    body: `This channel will now be told about ${o.siteName} incidents and planned maintenance. Current status: ${o.statusUrl}`,
    at: o.at,
    url: o.statusUrl,
    affected: [],
    window: null,
    incident: null,
    componentUpdate: null,
  };
}
