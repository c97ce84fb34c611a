import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Worker tests run inside workerd with the bindings of wrangler.toml: real D1 (Miniflare's
// SQLite, migrations applied in test/setup), real queues, real rate limiters and the built
// site as ASSETS. Only providers beyond our edge are faked, by loopback HTTP servers started
// in test/setup/global-setup.ts.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            STAFF_TOKEN: "test-staff-token-0123456789",
            HASH_SALT: "test-salt",
            ACK_SIGNING_KEY: "test-ack-key",
            TURNSTILE_SECRET_KEY: "",
            // Passkeys need a host name: the console tests use http://localhost:8787 for them.
            CONSOLE_ORIGINS: "http://localhost:8787",
          },
        },
      }),
    ],
    test: {
      // Channel tests live in their channel's folder (functions/channels/<name>/).
      include: ["test/**/*.test.ts", "functions/**/*.test.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      globalSetup: ["./test/setup/global-setup.ts"],
      testTimeout: 20_000,
    },
  };
});
