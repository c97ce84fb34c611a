import { defineConfig } from "@playwright/test";

// End-to-end tests in Debian's Chromium (/usr/bin/chromium; never `playwright install`)
// against the very server `npm start` runs, on its own port and its own fresh local state.
export const E2E_PORT = Number(process.env.E2E_PORT || 8790);
export const E2E_STAFF_TOKEN = "e2e-staff-token-0123456789abcdef";

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Generous: a CI machine shared with other jobs can be slow; a real hang still fails.
  timeout: 60_000,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    trace: "off",
    screenshot: "only-on-failure",
  },
  webServer: {
    command: `rm -rf .wrangler/e2e-state-${E2E_PORT} .wrangler/tmp/mirror-${E2E_PORT} && node scripts/start.mjs`,
    url: `http://127.0.0.1:${E2E_PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 300_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(E2E_PORT),
      OOB_STATE_DIR: `.wrangler/e2e-state-${E2E_PORT}`,
      OOB_SKIP_BUILD: process.env.OOB_SKIP_BUILD ?? "0",
      STAFF_TOKEN: E2E_STAFF_TOKEN,
      // The suite pages the same demo person in every test that expects a page (alerts, email,
      // phone, social: more than 6 within the hour it takes); at the product's ceiling of 6
      // the later ones would land in a digest. The ceiling is tested in test/alerts/storms.test.ts.
      PAGES_PER_PERSON_PER_HOUR: "100",
    },
  },
});
