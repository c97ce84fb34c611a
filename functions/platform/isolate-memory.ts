// What an isolate remembers between requests (the status page's caches, memos, a rate of
// pages), each registered here by the module that keeps it. Cloudflare starts isolates afresh
// whenever it likes, so nothing may depend on this memory; the tests start each file the way a
// fresh isolate does, by forgetting it all (test/setup/apply-migrations.ts).
const forgetters: (() => void)[] = [];

/** Registers how to forget what a module keeps per isolate. */
export function keptPerIsolate(forget: () => void): void {
  forgetters.push(forget);
}

/** Forgets everything registered: the isolate behaves as if it had just started. */
export function forgetIsolateMemory(): void {
  for (const forget of forgetters) forget();
}
