// @ts-check
import { defineConfig } from "astro/config";

// The site is plain static files: pages are shells that the Worker fills with live data.
export default defineConfig({
  output: "static",
  outDir: "./dist",
  // history.html, not history/index.html: the Worker fetches shells by their path.
  build: { format: "file", inlineStylesheets: "always" },
  trailingSlash: "never",
  devToolbar: { enabled: false },
});
