// What staff without the admin scope see of on-call contact details. An ntfy topic, a chat
// webhook URL or a routing key is enough to read, or forge, every page; phone numbers and
// addresses are personal data. Masked values stay recognisable ("a•••@example.com",
// "+31•••78", "https://hooks.slack.com/•••") so a reader can still tell who is reached how.

/** What masking reads of the on-call document (config.ts's OncallConfig fits): the people's
 * contact methods, whatever channels they name. Structural, so this module imports nothing
 * that reaches the channel registry. */
export interface ContactDetails {
  people: ReadonlyArray<{ contactMethods: ReadonlyArray<object> }>;
}

/** Marks a masked value. No contact-method field accepts it, except inside a URL (see maskedFields). */
export const MASK = "•••";

/** Contact-method fields that name the method rather than hold a contact detail. */
const NOT_SECRET = new Set(["type", "id"]);

/** Shorter values are replaced only where a whole string equals them: as substrings they would
 * mask unrelated text (a one-digit chat id in every timestamp). */
const SHORTEST_SUBSTRING = 6;

const EMAIL = /^([^@\s])[^@\s]*@([^@\s]+)$/;
const E164 = /^\+\d{7,15}$/;

/** The masked form of one contact detail, chosen by its shape (so new channels are covered). */
export function maskValue(value: string): string {
  if (/^https?:\/\//i.test(value)) {
    const url = URL.parse(value);
    if (!url) return MASK;
    const bare = url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
    return bare ? url.origin : `${url.origin}/${MASK}`;
  }
  if (E164.test(value)) return `${value.slice(0, 3)}${MASK}${value.slice(-2)}`;
  const email = EMAIL.exec(value);
  if (email) return `${email[1]}${MASK}@${email[2]}`;
  // Topics, keys and chat ids: nothing of them is shown.
  return MASK;
}

/**
 * Every contact detail of the configuration (and any `extra` value, such as fallback page
 * addresses), mapped to its masked form. A URL's path is a secret by itself too: error pages
 * quote the path without the host.
 */
export function secretsOf(config: ContactDetails | null, extra: readonly string[] = []): Map<string, string> {
  const secrets = new Map<string, string>();
  const add = (value: unknown) => {
    if (typeof value !== "string" || value === "") return;
    const masked = maskValue(value);
    if (masked === value) return;
    secrets.set(value, masked);
    const url = URL.parse(value);
    if (url && /^https?:$/.test(url.protocol)) {
      const path = `${url.pathname}${url.search}`;
      if (path.length >= SHORTEST_SUBSTRING) secrets.set(path, `/${MASK}`);
    }
  };
  for (const person of config?.people ?? []) {
    for (const method of person.contactMethods) {
      for (const [field, value] of Object.entries(method)) if (!NOT_SECRET.has(field)) add(value);
    }
  }
  extra.forEach(add);
  return secrets;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A copy of `value` (any JSON) in which every secret is replaced by its masked form. */
export function redact<T>(value: T, secrets: ReadonlyMap<string, string>): T {
  if (secrets.size === 0) return value;
  // Longest first, so a URL is masked whole before its path is.
  const long = [...secrets.keys()].filter((s) => s.length >= SHORTEST_SUBSTRING).sort((a, b) => b.length - a.length);
  const pattern = long.length > 0 ? new RegExp(long.map(escapeRegExp).join("|"), "g") : null;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const whole = secrets.get(v);
      if (whole !== undefined) return whole;
      return pattern ? v.replace(pattern, (m) => secrets.get(m) ?? MASK) : v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * Paths of contact-method fields that still hold a masked value: a configuration read without
 * admin and pushed back. Checked on the raw document, before the schema, so the answer says
 * what happened rather than listing every masked address as invalid; and a masked URL is still
 * a URL, which the schema would accept and pages to it would go nowhere.
 */
export function maskedFields(document: unknown): string[] {
  const paths: string[] = [];
  const people = (document as { people?: unknown } | null)?.people;
  if (!Array.isArray(people)) return paths;
  people.forEach((person: unknown, pi) => {
    const methods = (person as { contactMethods?: unknown } | null)?.contactMethods;
    if (!Array.isArray(methods)) return;
    methods.forEach((method: unknown, mi) => {
      if (method === null || typeof method !== "object") return;
      for (const [field, value] of Object.entries(method)) {
        if (typeof value === "string" && value.includes(MASK)) paths.push(`people.${pi}.contactMethods.${mi}.${field}`);
      }
    });
  });
  return paths;
}
