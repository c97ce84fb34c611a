// The part of node:async_hooks the Worker uses (platform/meter.ts), available in workerd with
// nodejs_compat. Declared here because the Worker's TypeScript program has no Node types.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
