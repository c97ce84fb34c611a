// Passkeys in the console: sign in, register from an invitation, add a device. WebAuthn needs
// JavaScript; every element this script drives is hidden until it runs (and the sign-in page
// offers the staff-token form without it). Buttons carry where to ask, in data attributes:
//   data-passkey="sign-in"              options: /admin/sign-in/passkey/options, verify: /admin/sign-in/passkey
//   data-passkey="register"             data-options-url, data-verify-url, optional data-csrf
// A status element [data-passkey-status] next to the button says what happens, for everyone
// (role="status"), and errors in words.
import { browserSupportsWebAuthn, startAuthentication, startRegistration, WebAuthnError } from "@simplewebauthn/browser";

interface Answer {
  redirect?: string;
  error?: { message?: string };
}

async function postJson(url: string, body: unknown, csrf: string | undefined): Promise<Answer & Record<string, unknown>> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (csrf) headers["x-csrf-token"] = csrf;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body), credentials: "same-origin" });
  const data = (await res.json().catch(() => ({}))) as Answer & Record<string, unknown>;
  if (!res.ok) throw new Error(data.error?.message ?? `The server answered ${res.status}.`);
  return data;
}

function say(button: HTMLElement, text: string, kind: "info" | "error" = "info"): void {
  const status = button.closest("[data-passkey-area]")?.querySelector<HTMLElement>("[data-passkey-status]");
  if (!status) return;
  status.textContent = text;
  status.dataset.kind = kind;
}

function explain(err: unknown): string {
  if (err instanceof WebAuthnError && err.code === "ERROR_CEREMONY_ABORTED") return "Cancelled. Try again when you are ready.";
  if (err instanceof Error && err.name === "NotAllowedError") return "Cancelled, or no passkey for this site on this device.";
  return err instanceof Error ? err.message : String(err);
}

async function signIn(button: HTMLButtonElement): Promise<void> {
  say(button, "Asking your device for a passkey…");
  const next = button.dataset.next ?? "";
  const { challengeId, options } = (await postJson("/admin/sign-in/passkey/options", {}, undefined)) as { challengeId: string; options: Parameters<typeof startAuthentication>[0]["optionsJSON"] };
  const response = await startAuthentication({ optionsJSON: options });
  say(button, "Checking…");
  const done = await postJson("/admin/sign-in/passkey", { challengeId, response, next }, undefined);
  say(button, "Signed in.");
  window.location.assign(done.redirect ?? "/admin");
}

async function register(button: HTMLButtonElement): Promise<void> {
  const optionsUrl = button.dataset.optionsUrl!;
  const verifyUrl = button.dataset.verifyUrl!;
  const csrf = button.dataset.csrf || undefined;
  const area = button.closest("[data-passkey-area]");
  const label = area?.querySelector<HTMLInputElement>("input[name=label]")?.value ?? "";
  say(button, "Asking your device to create a passkey…");
  const { challengeId, options } = (await postJson(optionsUrl, {}, csrf)) as { challengeId: string; options: Parameters<typeof startRegistration>[0]["optionsJSON"] };
  const response = await startRegistration({ optionsJSON: options });
  say(button, "Saving…");
  const done = await postJson(verifyUrl, { challengeId, response, label }, csrf);
  say(button, "Passkey saved.");
  window.location.assign(done.redirect ?? "/admin");
}

if (browserSupportsWebAuthn()) {
  for (const area of document.querySelectorAll<HTMLElement>("[data-passkey-area]")) area.hidden = false;
  for (const note of document.querySelectorAll<HTMLElement>("[data-passkey-missing]")) note.hidden = true;
  for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-passkey]")) {
    button.addEventListener("click", () => {
      button.disabled = true;
      const run = button.dataset.passkey === "register" ? register(button) : signIn(button);
      run.catch((err: unknown) => say(button, explain(err), "error")).finally(() => {
        button.disabled = false;
      });
    });
  }
}
