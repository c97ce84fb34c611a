// What each staff scope allows (contract/staff.ts): admin everything, a write scope its read.
import { describe, expect, it } from "vitest";
import { hasScope, type StaffScope } from "../../contract/staff";

describe("hasScope", () => {
  it.each<[StaffScope[], StaffScope, boolean]>([
    [["admin"], "oncall:write", true],
    [["admin"], "reports:read", true],
    [["oncall:write"], "oncall:read", true],
    [["oncall:write"], "oncall:write", true],
    [["oncall:read"], "oncall:write", false],
    [["oncall:read"], "admin", false],
    [["reports:read"], "oncall:read", false],
    [["status:write"], "oncall:read", false],
    [["reports:read", "oncall:read"], "oncall:read", true],
    [[], "oncall:read", false],
  ])("%j may do %s: %s", (held, needed, allowed) => {
    expect(hasScope(held, needed)).toBe(allowed);
  });
});
