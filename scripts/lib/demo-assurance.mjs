// What `npm start` adds so that assurance has something real to show offline:
//   - the demo heartbeat "demo-agent", fed by agent/outofband-agent.sh itself every five minutes
//     while `npm start` runs, against a temporary fake `df` (a healthy disk) with no mail queue,
//     as a company server's cron line would (a heartbeat nobody feeds would page the demo on-call);
//   - a stand-in for Email Routing's round trip: mail the Worker sent to the canary address
//     (ASSURANCE_CANARY_MAIL) is delivered back to its email() handler, as Email Routing does
//     in production (the local send_email only writes files, and never delivers).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

export const DEMO_HEARTBEAT = {
  id: "demo-agent",
  name: "Demo server agent (agent/outofband-agent.sh)",
  schedule: { kind: "period", period: 300, grace: 300 },
};

/**
 * Makes sure the demo heartbeat exists (only when no monitors configuration was pushed yet, or
 * it is already there: a staff configuration is never replaced) and runs the agent now and
 * every five minutes (its period).
 * Returns a line for the start banner.
 */
export async function feedDemoHeartbeat({ base, token, root, tmpDir }) {
  const auth = { authorization: `Bearer ${token}` };
  const current = await fetch(`${base}/api/admin/monitors`, { headers: auth });
  let pingUrl = null;
  if (current.status === 404) {
    const res = await fetch(`${base}/api/admin/monitors`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ version: 1, monitors: [], heartbeats: [DEMO_HEARTBEAT] }),
    });
    if (!res.ok) return `demo heartbeat not created: ${res.status} ${(await res.text()).slice(0, 200)}`;
    pingUrl = (await res.json()).new_heartbeat_tokens?.find((t) => t.id === DEMO_HEARTBEAT.id)?.ping_url ?? null;
  } else if (current.ok) {
    const config = await current.json();
    if (!(config.heartbeats ?? []).some((h) => h.id === DEMO_HEARTBEAT.id)) return "demo heartbeat skipped (a monitors configuration without it exists)";
    // The token is shown once; a new one for this run (the old one stops working).
    const res = await fetch(`${base}/api/admin/monitors/heartbeats/${DEMO_HEARTBEAT.id}/token`, { method: "POST", headers: auth });
    if (res.ok) pingUrl = (await res.json()).ping_url;
  }
  if (!pingUrl) return "demo heartbeat: no ping URL";

  const bin = join(tmpDir, "bin");
  mkdirSync(bin, { recursive: true });
  const df = join(bin, "df");
  // A healthy disk: 45 % space, 4 % inodes (the agent reads `df -P` and `df -Pi`).
  writeFileSync(
    df,
    [
      "#!/bin/sh",
      'case "$*" in',
      '  *-Pi*|*-iP*) printf "Filesystem Inodes IUsed IFree IUse%% Mounted on\\n/dev/demo 65536 2600 62936 4%% /\\n" ;;',
      '  *) printf "Filesystem 1024-blocks Used Available Capacity Mounted on\\n/dev/demo 100000 45000 55000 45%% /\\n" ;;',
      "esac",
      "",
    ].join("\n"),
  );
  chmodSync(df, 0o755);
  const runAgent = () =>
    spawnSync("/bin/sh", [join(root, "agent", "outofband-agent.sh")], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, OOB_PING_URL: pingUrl, MAIL_QUEUE: "none", DISK_MOUNTS: "/" },
      encoding: "utf8",
      timeout: 30_000,
    });
  const run = runAgent();
  setInterval(runAgent, DEMO_HEARTBEAT.schedule.period * 1000).unref();
  return run.status === 0 ? `demo heartbeat "${DEMO_HEARTBEAT.id}" pinged by agent/outofband-agent.sh (fake df in ${relative(root, tmpDir)})` : `the demo agent exited ${run.status}: ${(run.stderr || run.stdout).slice(0, 300)}`;
}

/**
 * Email Routing's round trip, locally: every few seconds, mail the Worker sent to the canary
 * address (listed by the local explorer) is handed back to its email() handler once.
 */
export function startLocalRoundTrip({ base, canaryAddress, everyMs = 5_000 }) {
  if (!canaryAddress) return null;
  const seen = new Set();
  const timer = setInterval(async () => {
    try {
      const res = await fetch(`${base}/cdn-cgi/local/explorer/api/local/email/sending`);
      if (!res.ok) return;
      const listed = await res.json();
      const items = Array.isArray(listed) ? listed : (listed.result ?? listed.emails ?? listed.items ?? []);
      for (const mail of items) {
        const to = [mail.to ?? mail.recipient ?? []].flat().join(",");
        const id = mail.id ?? mail.messageId ?? JSON.stringify(mail).slice(0, 200);
        if (seen.has(id) || !to.toLowerCase().includes(canaryAddress.toLowerCase())) continue;
        seen.add(id);
        const headers = mail.headers ?? {};
        const run = headers["X-Outofband-Canary"] ?? headers["x-outofband-canary"] ?? /Assurance canary ([0-9a-f-]{36})/.exec(mail.subject ?? "")?.[1] ?? "";
        const raw = [
          `From: <${mail.from ?? "status@localhost"}>`,
          `To: <${canaryAddress}>`,
          `Subject: ${mail.subject ?? "Assurance canary"}`,
          `Message-ID: <roundtrip-${Date.now()}-${seen.size}@local.invalid>`,
          `X-Outofband-Canary: ${run}`,
          "",
          "round trip",
          "",
        ].join("\r\n");
        await fetch(`${base}/cdn-cgi/local/email?from=${encodeURIComponent(mail.from ?? "status@localhost")}&to=${encodeURIComponent(canaryAddress)}`, { method: "POST", body: raw });
      }
    } catch {
      // the Worker is restarting: next time
    }
  }, everyMs);
  timer.unref();
  return timer;
}
