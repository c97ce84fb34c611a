// Which alert a report joins: the rules as a table (pure; no D1).
import { describe, expect, it } from "vitest";
import { GROUP_WINDOW_MINUTES, chooseAlert, groupKeyFor, subjectSimilarity, type OpenAlert } from "../../functions/alerts/grouping";

const now = new Date("2026-11-28T12:00:00.000Z");
const ago = (min: number) => new Date(now.getTime() - min * 60_000).toISOString();
const alert = (id: string, componentId: string | null, subject: string, lastMin = 1, createdMin = 10): OpenAlert => ({
  id,
  componentId,
  subject,
  createdAt: ago(createdMin),
  lastReportAt: ago(lastMin),
});

describe("grouping reports into alerts", () => {
  const open = [
    alert("web", "cmp_web", "Websites give 502"),
    alert("mail", "cmp_mail", "Mail is not delivered"),
    alert("free", null, "Control panel login fails"),
    alert("stale", "cmp_dns", "DNS not resolving", GROUP_WINDOW_MINUTES + 1),
  ];
  it.each<[string, { componentId: string | null; subject: string }, string | null]>([
    ["same component, other words", { componentId: "cmp_web", subject: "my shop is down" }, "web"],
    ["same component, same words", { componentId: "cmp_mail", subject: "Mail is not delivered" }, "mail"],
    ["another named component never groups, even with the same words", { componentId: "cmp_vps", subject: "Websites give 502" }, null],
    ["no component, similar subject to a component alert", { componentId: null, subject: "websites giving 502!!" }, "web"],
    ["no component, similar subject to a free alert", { componentId: null, subject: "Cannot login to control panel" }, "free"],
    ["a component, similar subject to a free alert", { componentId: "cmp_panel", subject: "control panel login fails again" }, "free"],
    ["no component, unrelated subject", { componentId: null, subject: "Invoice question" }, null],
    ["outside the window (last report too long ago)", { componentId: "cmp_dns", subject: "DNS down" }, null],
    ["case, accents and punctuation do not matter", { componentId: null, subject: "CONTROL-PANEL LOGIN FAILS" }, "free"],
  ])("%s", (_name, report, expected) => {
    expect(chooseAlert(report, open, now)?.id ?? null).toBe(expected);
  });

  it("prefers the most recently active matching alert, then the oldest", () => {
    const a = alert("a", "cmp_x", "x", 5, 20);
    const b = alert("b", "cmp_x", "x", 1, 10);
    expect(chooseAlert({ componentId: "cmp_x", subject: "x" }, [a, b], now)!.id).toBe("b");
    const c = alert("c", "cmp_x", "x", 1, 30);
    expect(chooseAlert({ componentId: "cmp_x", subject: "x" }, [b, c], now)!.id).toBe("c");
  });

  it.each([
    ["Site down", "site is down", 1],
    ["Email not working", "Website down", 0],
    ["", "anything", 0],
  ])("similarity(%j, %j) = %d", (a, b, s) => {
    expect(subjectSimilarity(a, b)).toBe(s);
  });

  it("labels groups by component, else by the subject's words", () => {
    expect(groupKeyFor({ componentId: "cmp_web", subject: "x" })).toBe("component:cmp_web");
    expect(groupKeyFor({ componentId: null, subject: "The site is DOWN" })).toBe("subject:down site");
  });
});
