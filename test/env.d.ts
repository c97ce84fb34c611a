import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare module "vitest" {
  interface ProvidedContext {
    /** Base URL (http://127.0.0.1:port) of the loopback fake provider server. */
    fakeProviderUrl: string;
  }
}
