// Tests of agent/outofband-agent.sh, run by Node's test runner (`npm run test:agent`; part of
// `npm test`). The script runs under /bin/sh (dash on Debian) with fake `df`, `postqueue`,
// `exim`, `mailq`, `systemctl` and `openssl` first on PATH, and pings a loopback HTTP server
// that records what it receives, as the hub's /heartbeat endpoint would. shellcheck runs too;
// where it is not installed that test is skipped with a message (CI installs it), unless
// OOB_REQUIRE_SHELLCHECK=1 makes its absence a failure.
import assert from "node:assert/strict";
import { spawnSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

const script = new URL("./outofband-agent.sh", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "oob-agent-"));
const bin = join(work, "bin");
mkdirSync(bin);

/** A fake command: a sh script printing what the test put in its environment. */
function fake(name, body) {
  const path = join(bin, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

// df -P / df -Pi print the table the test gives them (FAKE_DF, FAKE_DFI).
fake("df", 'case "$*" in *-Pi*|*-iP*) printf "%s\\n" "$FAKE_DFI" ;; *) printf "%s\\n" "$FAKE_DF" ;; esac');
// postqueue -j prints one JSON object per queued message.
fake("postqueue", 'i=0; while [ "$i" -lt "${FAKE_QUEUE:-0}" ]; do echo "{\\"queue_id\\":\\"Q$i\\",\\"queue_name\\":\\"deferred\\"}"; i=$((i+1)); done');
fake("exim", 'echo "${FAKE_EXIM:-0}"');
fake("mailq", 'echo "${FAKE_MAILQ:-Mail queue is empty}"');
// systemctl is-active --quiet NAME: active when NAME is in FAKE_ACTIVE.
fake("systemctl", 'for a in $FAKE_ACTIVE; do [ "$a" = "$3" ] && exit 0; done; exit 3');
// openssl x509 -enddate / -checkend: FAKE_CERT_END and FAKE_CERT_EXPIRING (1 = expires soon).
fake("openssl", 'case "$*" in *-enddate*) echo "notAfter=$FAKE_CERT_END" ;; *-checkend*) [ "${FAKE_CERT_EXPIRING:-0}" = 1 ] && exit 1; exit 0 ;; esac');

const dfHeader = "Filesystem     1024-blocks      Used Available Capacity Mounted on";
const dfiHeader = "Filesystem      Inodes  IUsed   IFree IUse% Mounted on";
const healthyDf = [dfHeader, "/dev/sda1 100000 45000 55000 45% /", "/dev/sdb1 500000 300000 200000 60% /var", "tmpfs 1000 1000 0 100% /run"].join("\n");
const healthyDfi = [dfiHeader, "/dev/sda1 65536 2000 63536 4% /", "/dev/sdb1 65536 3000 62536 5% /var", "tmpfs 100 100 0 100% /run"].join("\n");

let server;
let base;
const pings = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      pings.push({ method: req.method, path: req.url, contentType: req.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") });
      if (req.url.includes("/heartbeat/unknown")) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"not_found"}}');
      } else res.writeHead(200, { "content-type": "text/plain" }).end("OK");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.close();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
/** Runs the agent under /bin/sh with the fakes and `env`; returns its exit status, output and the ping it sent. */
async function runAgent(env = {}, args = []) {
  const url = env.OOB_PING_URL ?? `${base}/heartbeat/tok${++n}`;
  const child = spawn("/bin/sh", [script, ...args], {
    env: { PATH: `${bin}:${process.env.PATH}`, FAKE_DF: healthyDf, FAKE_DFI: healthyDfi, MAIL_QUEUE: "none", ...env, OOB_PING_URL: url },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const status = await new Promise((resolve) => child.on("close", resolve));
  const path = url ? new URL(url).pathname : null;
  const ping = pings.find((p) => p.path === path || p.path === `${path}/fail`);
  return { status, stdout, stderr, ping };
}

describe("outofband-agent.sh", () => {
  it("passes shellcheck as POSIX sh", (t) => {
    const found = spawnSync("shellcheck", ["--version"]);
    if (found.error) {
      if (process.env.OOB_REQUIRE_SHELLCHECK === "1") assert.fail("shellcheck is not installed (apt-get install -y shellcheck)");
      t.skip("shellcheck is not installed here (apt-get install -y shellcheck); CI installs it");
      return;
    }
    const r = spawnSync("shellcheck", ["-s", "sh", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("parses under dash (/bin/sh -n)", () => {
    const r = spawnSync("/bin/sh", ["-n", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });

  it("all checks pass: a success ping whose body lists the findings; pseudo filesystems ignored", async () => {
    const r = await runAgent();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.ping.method, "POST");
    assert.equal(r.ping.path, `/heartbeat/tok${n}`, "a success ping goes to the ping URL itself");
    assert.equal(r.ping.contentType, "text/plain; charset=utf-8");
    const lines = r.ping.body.trim().split("\n");
    assert.match(lines[0], /^outofband-agent on \S+ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(lines.slice(1), ["OK disk / 45% used", "OK disk /var 60% used", "OK inodes / 4% used", "OK inodes /var 5% used"]);
    assert.equal(r.stdout, "", "quiet under cron when all is well");
  });

  it("a disk at 97% fails: the /fail ping says which mount", async () => {
    const r = await runAgent({ FAKE_DF: healthyDf.replace("60% /var", "97% /var") });
    assert.equal(r.status, 1);
    assert.equal(r.ping.path, `/heartbeat/tok${n}/fail`);
    assert.match(r.ping.body, /^FAIL disk \/var 97% used \(limit 90%\)$/m);
    assert.match(r.ping.body, /^OK disk \/ 45% used$/m);
  });

  it("inodes running out fail even with free space", async () => {
    const r = await runAgent({ FAKE_DFI: healthyDfi.replace("5% /var", "93% /var"), INODE_MAX_PERCENT: "90" });
    assert.equal(r.status, 1);
    assert.match(r.ping.body, /^FAIL inodes \/var 93% used \(limit 90%\)$/m);
  });

  it("thresholds and the list of mounts are settings", async () => {
    const r = await runAgent({ FAKE_DF: healthyDf.replace("60% /var", "97% /var"), DISK_MOUNTS: "/", DISK_MAX_PERCENT: "40" });
    assert.equal(r.status, 1);
    assert.match(r.ping.body, /^FAIL disk \/ 45% used \(limit 40%\)$/m);
    assert.doesNotMatch(r.ping.body, /\/var/);
  });

  it("a Postfix queue over the limit fails (postqueue -j)", async () => {
    const ok = await runAgent({ MAIL_QUEUE: "auto", FAKE_QUEUE: "3" });
    assert.match(ok.ping.body, /^OK mail queue 3 messages$/m);
    const full = await runAgent({ MAIL_QUEUE: "postfix", FAKE_QUEUE: "150", MAIL_QUEUE_MAX: "100" });
    assert.equal(full.status, 1);
    assert.match(full.ping.body, /^FAIL mail queue 150 messages \(limit 100\)$/m);
  });

  it("an Exim queue is read with exim -bpc", async () => {
    const r = await runAgent({ MAIL_QUEUE: "exim", FAKE_EXIM: "250" });
    assert.equal(r.status, 1);
    assert.match(r.ping.body, /^FAIL mail queue 250 messages \(limit 100\)$/m);
  });

  it("a sendmail-style mailq summary is understood", async () => {
    const r = await runAgent({ MAIL_QUEUE: "mailq", FAKE_MAILQ: "Q1 1234 Mon Dec  1 10:00\n-- 12 Kbytes in 7 Requests." });
    assert.match(r.ping.body, /^OK mail queue 7 messages$/m);
  });

  it("a maildir that stopped receiving mail fails; a fresh delivery passes", async () => {
    const maildir = join(work, `Maildir${n}`);
    mkdirSync(join(maildir, "new"), { recursive: true });
    mkdirSync(join(maildir, "cur"), { recursive: true });
    const old = join(maildir, "cur", "1700000000.M1P1.mx1:2,S");
    writeFileSync(old, "Subject: old\n\nold");
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    const stale = await runAgent({ MAILDIR: maildir, MAILDIR_MAX_AGE_MINUTES: "1440" });
    assert.equal(stale.status, 1);
    assert.match(stale.ping.body, new RegExp(`^FAIL maildir ${maildir}: no mail delivered for 1440 minutes$`, "m"));
    writeFileSync(join(maildir, "new", "1800000000.M2P2.mx1"), "Subject: canary\n\nnew");
    const fresh = await runAgent({ MAILDIR: maildir, MAILDIR_MAX_AGE_MINUTES: "1440" });
    assert.equal(fresh.status, 0);
    assert.match(fresh.ping.body, /^OK maildir .* received mail within 1440 minutes$/m);
  });

  it("named services must be active (systemctl is-active)", async () => {
    const r = await runAgent({ SERVICES: "postfix dovecot", FAKE_ACTIVE: "postfix" });
    assert.equal(r.status, 1);
    assert.match(r.ping.body, /^OK service postfix active$/m);
    assert.match(r.ping.body, /^FAIL service dovecot is not active$/m);
  });

  it("a certificate expiring within CERT_MIN_DAYS fails (openssl x509 -checkend)", async () => {
    const good = await runAgent({ CERT_FILES: "/etc/ssl/mail.pem", FAKE_CERT_END: "Mar  1 12:00:00 2027 GMT" });
    assert.match(good.ping.body, /^OK certificate \/etc\/ssl\/mail.pem valid until Mar {2}1 12:00:00 2027 GMT$/m);
    const soon = await runAgent({ CERT_FILES: "/etc/ssl/mail.pem", FAKE_CERT_END: "Dec  5 12:00:00 2026 GMT", FAKE_CERT_EXPIRING: "1" });
    assert.equal(soon.status, 1);
    assert.match(soon.ping.body, /^FAIL certificate \/etc\/ssl\/mail.pem expires Dec {2}5 12:00:00 2026 GMT \(within 14 days\)$/m);
  });

  it("reads its settings from a file with -c", async () => {
    const conf = join(work, "agent.conf");
    writeFileSync(conf, `OOB_PING_URL=${base}/heartbeat/fromfile\nDISK_MAX_PERCENT=50\n`);
    const r = await runAgent({ OOB_PING_URL: "" }, ["-c", conf]);
    assert.equal(r.status, 1);
    const ping = pings.find((p) => p.path === "/heartbeat/fromfile/fail");
    assert.match(ping.body, /^FAIL disk \/var 60% used \(limit 50%\)$/m);
  });

  it("-n prints the report and sends nothing", async () => {
    const before = pings.length;
    const r = await runAgent({}, ["-n"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^OK disk \/ 45% used$/m);
    assert.equal(pings.length, before);
  });

  it("keeps its report bounded: at most 100 lines of 200 characters", async () => {
    const many = [dfHeader, ...Array.from({ length: 300 }, (_, i) => `/dev/vd${i} 100 10 90 10% /srv/${"x".repeat(300)}${i}`)].join("\n");
    const r = await runAgent({ FAKE_DF: many });
    const lines = r.ping.body.trim().split("\n");
    assert.equal(lines.length, 100);
    assert.ok(lines.every((l) => l.length <= 200));
  });

  it("refuses bad settings with exit 64 and a message, sending nothing", async () => {
    const before = pings.length;
    const bad = await runAgent({ DISK_MAX_PERCENT: "ninety" });
    assert.equal(bad.status, 64);
    assert.match(bad.stderr, /DISK_MAX_PERCENT must be a whole number, not "ninety"/);
    const noUrl = await runAgent({ OOB_PING_URL: "" });
    assert.equal(noUrl.status, 64);
    assert.match(noUrl.stderr, /set OOB_PING_URL/);
    assert.equal(pings.length, before);
  });

  it("exits 2 when the hub refuses the ping (e.g. an unknown token)", async () => {
    const r = await runAgent({ OOB_PING_URL: `${base}/heartbeat/unknown` });
    assert.equal(r.status, 2);
  });
});
