// Demo staff for the console: an admin, a publisher and a responder (the responders are the
// demo on-call people). Nobody has a passkey yet: `npm start` prints a one-time invitation
// link for the demo admin, and the staff token signs in without one.
import { newMemberSql } from "../lib/staff.mjs";

export const DEMO_ADMIN = "Dana (demo admin)";

export function staffSeed(now) {
  const members = [
    { name: DEMO_ADMIN, email: "dana@example-hosting.test", role: "admin", oncallPersonId: "demo-lead" },
    { name: "Alex (demo)", email: "alex@example-hosting.test", role: "publisher", oncallPersonId: "demo-alex" },
    { name: "Sam (demo)", email: "sam@example-hosting.test", role: "responder", oncallPersonId: "demo-sam" },
  ];
  return members.flatMap((m) => newMemberSql({ ...m, createdBy: "seed", now }).statements);
}
