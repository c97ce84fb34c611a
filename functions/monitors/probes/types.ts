// What a probe is given: the services it may use (built once per cron run from env) and its
// deadline. Probes never see the whole Env.
export interface ProbeContext {
  /** Aborts when the monitor's timeout has passed. */
  signal: AbortSignal;
  deadline: number;
  now: Date;
  userAgent: string;
  /** RFC 8484 JSON API of the DNS-over-HTTPS resolver. */
  dohUrl: string;
  /** Cert Spotter's issuances endpoint (Certificate Transparency search). */
  ctSearchUrl: string;
  ctApiKey: string | null;
}
