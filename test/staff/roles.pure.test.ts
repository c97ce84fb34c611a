// Roles are sets of token scopes, so the console and the staff API share one authorisation.
import { describe, expect, it } from "vitest";
import { hasScope, roleScopes, staffRoles, staffScopes, type StaffRole, type StaffScope } from "../../contract/staff";

const can = (role: StaffRole, scope: StaffScope) => hasScope(roleScopes[role], scope);

describe("roles", () => {
  it.each<[StaffScope, boolean, boolean, boolean]>([
    //                  responder publisher admin
    ["reports:read", true, true, true],
    ["reports:write", true, true, true],
    ["oncall:override", true, true, true],
    ["status:write", false, true, true],
    ["oncall:write", false, false, true],
    ["monitors:write", false, false, true],
    ["admin", false, false, true],
  ])("%s: responder %s, publisher %s, admin %s", (scope, responder, publisher, admin) => {
    expect([can("responder", scope), can("publisher", scope), can("admin", scope)]).toEqual([responder, publisher, admin]);
  });

  it("each role can do at least what the one before it can", () => {
    for (let i = 1; i < staffRoles.length; i++) {
      for (const scope of staffScopes) if (can(staffRoles[i - 1]!, scope)) expect(can(staffRoles[i]!, scope)).toBe(true);
    }
  });

  it.each<[StaffScope[], StaffScope, boolean]>([
    [["oncall:write"], "oncall:override", true],
    [["oncall:override"], "oncall:write", false],
    [["reports:write"], "reports:read", true],
    [["reports:read"], "reports:write", false],
    [["admin"], "monitors:write", true],
    [[], "reports:read", false],
  ])("a token with %j may %s: %s", (held, needed, allowed) => {
    expect(hasScope(held, needed)).toBe(allowed);
  });
});
