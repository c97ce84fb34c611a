// Content collections. Postmortems are Markdown files in src/content/postmortems; each is
// published at /postmortems/{file name} and linked from its incident (postmortem_slug).
import { defineCollection } from "astro:content";
import { glob } from "astro/loaders";
import { z } from "astro/zod";

const postmortems = defineCollection({
  loader: glob({ pattern: "**/*.md", base: "./src/content/postmortems" }),
  schema: z.object({
    title: z.string(),
    /** The incident this postmortem explains (its id), if any. */
    incident: z.string().optional(),
    published: z.coerce.date(),
    summary: z.string(),
  }),
});

export const collections = { postmortems };
