import { readFileSync } from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Worker tests run inside workerd with the bindings of wrangler.toml: real D1 (Miniflare's
// SQLite, migrations applied in test/setup), real queues, real rate limiters and the built
// site as ASSETS. Only providers beyond our edge are faked, by loopback HTTP servers started
// in test/setup/global-setup.ts.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // Every secret blank unless a test sets it: wrangler also reads the developer's .dev.vars,
  // which `npm start` fills (a generated staff token, the local Twilio stand-in's credentials),
  // and a test must not pass or fail by what a previous `npm start` left there.
  const blankSecrets = Object.fromEntries(
    readFileSync(path.join(import.meta.dirname, ".dev.vars.example"), "utf8")
      .split("\n")
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line.trim())?.[1])
      .filter((name): name is string => Boolean(name))
      .map((name) => [name, ""]),
  );
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Tests run queued jobs themselves (runJob, consumeFanout with a message batch): the
          // queues they send to have no consumer. With one runtime shared by the files of a
          // worker, a queued message (the fan-out's delayed safety-net copies) would otherwise
          // be delivered during a later file, against that file's data.
          queueProducers: { FANOUT: { queueName: "outofband-fanout-tests" }, FANOUT_DLQ: { queueName: "outofband-fanout-dlq-tests" } },
          bindings: {
            ...blankSecrets,
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
      // One workerd per vitest worker, not per file: the setup file gives each file an empty
      // world (docs/architecture.md "Test files share a runtime").
      isolate: false,
    },
  };
});
