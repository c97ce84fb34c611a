// The staff CLI (`npm run hub -- ...`) end to end: each command runs as a person would run it,
// against the server `npm start` runs (--url, --token), and is checked by what the public pages
// and the staff API show afterwards. Imports read a loopback server that serves a recorded
// Statuspage v2 API, and the cState fixture site.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { E2E_PORT, E2E_STAFF_TOKEN } from "../playwright.config";
import { expect, test } from "./fixtures";

const base = `http://127.0.0.1:${E2E_PORT}`;
// Each test walks a whole journey (several pages, mail through the queue, axe runs): more than
// the default 30 s on a busy machine.
test.describe.configure({ timeout: 120_000 });

function hub(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["scripts/hub.mjs", ...args, "--url", base, "--token", E2E_STAFF_TOKEN], { cwd: process.cwd() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let statuspage: Server;
let statuspageUrl = "";

test.beforeAll(async () => {
  statuspage = createServer((req, res) => {
    const file = /^\/api\/v2\/([a-z-]+\.json)$/.exec(req.url ?? "")?.[1];
    if (!file || !["summary.json", "components.json", "incidents.json", "scheduled-maintenances.json"].includes(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(readFileSync(`test/fixtures/statuspage/${file}`));
  });
  await new Promise<void>((r) => statuspage.listen(0, "127.0.0.1", r));
  statuspageUrl = `http://127.0.0.1:${(statuspage.address() as AddressInfo).port}`;
});

test.afterAll(() => {
  statuspage.close();
});

test("incident open, update and resolve from the command line, seen on the status page", async ({ page }) => {
  const name = `CLI outage ${Date.now()}`;
  const opened = await hub("incident", "open", name, "--impact", "major", "--component", "cmp_web=partial_outage", "--body", "Sites on web12 answer 502.");
  expect(opened.code, opened.stderr).toBe(0);
  const id = /Opened (inc_[a-z0-9]+)/.exec(opened.stdout)?.[1];
  expect(id).toBeDefined();
  expect(opened.stdout).toContain("cmp_web (partial_outage)");

  await page.goto(`/incidents/${id}`);
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.getByText("Sites on web12 answer 502.")).toBeVisible();

  const updated = await hub("incident", "update", id!, "--status", "identified", "--body", "A failed disk on web12.");
  expect(updated.code, updated.stderr).toBe(0);
  const resolved = await hub("incident", "resolve", id!);
  expect(resolved.code, resolved.stderr).toBe(0);
  expect(resolved.stdout).toContain("status resolved");
  await page.goto(`/incidents/${id}`);
  await expect(page.getByText("A failed disk on web12.")).toBeVisible();
  await expect(page.getByText("This incident has been resolved.")).toBeVisible();
});

test("errors print the API's message and exit non-zero", async () => {
  const unknown = await hub("incident", "update", "inc_doesnotexist", "--status", "identified", "--body", "x");
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain("404 There is no incident or maintenance with id inc_doesnotexist.");
  const badComponent = await hub("incident", "open", "Bad", "--component", "cmp_web");
  expect(badComponent.code).toBe(1);
  expect(badComponent.stderr).toContain("write it as <component id>=<status>");
  const badToken = await new Promise<{ code: number; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["scripts/hub.mjs", "reports", "--url", base, "--token", "oob_wrong"]);
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stderr }));
  });
  expect(badToken.code).toBe(1);
  expect(badToken.stderr).toContain("401 That staff token is not valid or has been revoked.");
});

test("reports, reply and ack on a report filed through the API", async ({ request, staffApi }) => {
  const subject = `CLI report ${Date.now()}`;
  const filed = await request.post("/api/reports", {
    headers: { "cf-connecting-ip": `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` },
    data: { name: "Ada", email: "ada-cli@customers.example", subject, message: "Our shop answers 502 since 09:40." },
  });
  expect(filed.status()).toBe(201);
  const { reference } = (await filed.json()) as { reference: string };

  const list = await hub("reports", "--state", "new", "--channel", "api");
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout).toContain(reference);
  expect(list.stdout).toContain(subject);

  const reply = await hub("reply", reference, "We are on it; next update in 20 minutes.");
  expect(reply.code, reply.stderr).toBe(0);
  expect(reply.stdout).toContain(`Replied to ${reference}; the reporter is told by mail.`);
  const ack = await hub("ack", reference);
  expect(ack.code, ack.stderr).toBe(0);
  expect(ack.stdout).toContain(`${reference} is acknowledged`);

  const report = (await (await staffApi.get(`/api/admin/reports/${reference}`)).json()) as { state: string; messages: Array<{ author: string; body: string }> };
  expect(report.state).toBe("acknowledged");
  expect(report.messages.some((m) => m.author === "staff" && m.body.includes("next update in 20 minutes"))).toBe(true);
});

test("import statuspage reads a recorded v2 API; a second run changes nothing; import cstate reads a site folder", async ({ request }) => {
  const first = await hub("import", "statuspage", statuspageUrl);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toContain("1 group(s), 3 component(s), 3 incident(s), 2 maintenance(s), 12 update(s)");
  const again = await hub("import", "statuspage", statuspageUrl);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toContain("nothing new");

  const incidents = (await (await request.get("/api/v2/incidents.json")).json()) as { incidents: Array<{ name: string; created_at: string }> };
  expect(incidents.incidents.find((i) => i.name === "API errors for a subset of customers")?.created_at).toBe("2026-11-28T21:31:05.118Z");

  const cstate = await hub("import", "cstate", "test/fixtures/cstate");
  expect(cstate.code, cstate.stderr).toBe(0);
  expect(cstate.stdout).toMatch(/2 group\(s\), 5 component\(s\), 3 incident\(s\)|nothing new/);

  const notStatuspage = await hub("import", "statuspage", `${statuspageUrl}/elsewhere`);
  expect(notStatuspage.code).toBe(1);
  expect(notStatuspage.stderr).toContain("is this a Statuspage page?");
});
