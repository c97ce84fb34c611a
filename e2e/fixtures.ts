// Shared fixtures for the browser tests: a staff API client, an axe check, and the clean-up
// every test gets (all spec files share one server, so each test leaves it as it found it).
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import { E2E_STAFF_TOKEN } from "../playwright.config";

/** Resolves every open alert, so that a test's pages are not held behind an alert another test
 * left unacknowledged (issue 8: one pager per policy) and it leaves none behind for the next. */
export async function quietOnCall(staffApi: APIRequestContext): Promise<void> {
  for (const state of ["triggered", "acknowledged"]) {
    const res = await staffApi.get(`/api/admin/alerts?state=${state}`);
    expect(res.status(), await res.text()).toBe(200);
    const { alerts } = (await res.json()) as { alerts: Array<{ id: string }> };
    for (const alert of alerts) {
      const resolved = await staffApi.post(`/api/admin/alerts/${alert.id}/resolve`);
      expect(resolved.status(), await resolved.text()).toBe(200);
    }
  }
}

interface StatusState {
  unresolved: Set<string>;
  components: Map<string, string>;
}

async function statusState(staffApi: APIRequestContext): Promise<StatusState> {
  const [incidents, components] = await Promise.all([staffApi.get("/api/v2/incidents/unresolved.json"), staffApi.get("/api/v2/components.json")]);
  expect(incidents.status(), await incidents.text()).toBe(200);
  expect(components.status(), await components.text()).toBe(200);
  const unresolved = ((await incidents.json()) as { incidents: Array<{ id: string }> }).incidents.map((i) => i.id);
  const list = ((await components.json()) as { components: Array<{ id: string; status: string; group: boolean }> }).components.filter((c) => !c.group);
  return { unresolved: new Set(unresolved), components: new Map(list.map((c) => [c.id, c.status])) };
}

/**
 * Puts the status page back as the test found it: resolves the incidents it opened (also those
 * it meant to resolve but did not reach, because an assertion failed first) and returns the
 * components it changed (a new one, from an import, to operational).
 */
async function restoreStatus(staffApi: APIRequestContext, before: StatusState): Promise<void> {
  for (const id of (await statusState(staffApi)).unresolved) {
    if (before.unresolved.has(id)) continue;
    const res = await staffApi.post(`/api/admin/incidents/${id}/updates`, { data: { status: "resolved", body: "Resolved by the end-to-end tests' clean-up.", notify: { subscribers: false, social: false } } });
    expect(res.status(), await res.text()).toBe(201);
  }
  for (const [id, status] of (await statusState(staffApi)).components) {
    const was = before.components.get(id) ?? "operational";
    if (status === was) continue;
    const res = await staffApi.patch(`/api/admin/components/${id}`, { data: { status: was, notify: { subscribers: false, social: false } } });
    expect(res.status(), await res.text()).toBe(200);
  }
}

export const test = base.extend<{ staffApi: APIRequestContext; leaveAsFound: void }>({
  staffApi: async ({ playwright, baseURL }, use) => {
    const ctx = await playwright.request.newContext({
      baseURL: baseURL!,
      extraHTTPHeaders: { authorization: `Bearer ${E2E_STAFF_TOKEN}` },
    });
    await use(ctx);
    await ctx.dispose();
  },
  leaveAsFound: [
    async ({ staffApi }, use) => {
      await quietOnCall(staffApi);
      const before = await statusState(staffApi);
      await use();
      await restoreStatus(staffApi, before);
      await quietOnCall(staffApi);
    },
    { auto: true },
  ],
});

export { expect };

/** Runs axe (WCAG 2.x A and AA) on the page and fails with the violations listed. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(summary, "axe violations").toEqual([]);
}

/**
 * Collects console errors (CSP violations, failed resources) and page errors so a test can
 * assert there were none. `documentStatus`: the page itself is served with this error status on
 * purpose (a 404 page), which Chromium also reports as "Failed to load resource"; that one line,
 * for the document's own address, is not counted (any other resource failing still is).
 */
export function watchConsole(page: Page, opts: { documentStatus?: number } = {}): { errors: string[] } {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const at = msg.location().url;
    if (opts.documentStatus && at === page.url() && msg.text() === `Failed to load resource: the server responded with a status of ${opts.documentStatus} (Not Found)`) return;
    errors.push(at ? `${msg.text()} (${at})` : msg.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  return { errors };
}
