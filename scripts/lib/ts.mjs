// Lets Node scripts import the project's TypeScript (contract/, pure functions/ modules).
// Node 24 strips erasable types natively; the Worker's imports are extension-less (resolved by
// the bundler), so this hook retries a relative import that Node cannot find with ".ts".
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (/^\.\.?\//.test(specifier) && !/\.[cm]?[jt]s$/.test(specifier)) return nextResolve(`${specifier}.ts`, context);
      throw err;
    }
  },
});
