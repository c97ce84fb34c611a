// Configuration builders shared by the on-call tests.
import { OncallConfig, type OncallConfigInput, type Rotation } from "../../functions/oncall/config";

export function rotation(partial: Partial<Rotation> & Pick<Rotation, "handoff">): Rotation {
  return { id: "r", timezone: "Europe/Amsterdam", members: ["alice", "bob"], start: "2026-01-05", overrides: [], ...partial };
}

export function configInput(overrides: Partial<OncallConfigInput> = {}): OncallConfigInput {
  return {
    version: 1,
    people: [
      { id: "alice", name: "Alice", timezone: "Europe/Amsterdam", contactMethods: [{ type: "email", address: "alice@ops.example-hosting.nl" }, { type: "sms", number: "+31612345678" }] },
      { id: "bob", name: "Bob", timezone: "America/New_York", contactMethods: [{ type: "email", address: "bob@ops.example-hosting.nl" }, { type: "ntfy", topic: "bob-pages" }] },
      { id: "carol", name: "Carol", timezone: "Europe/Amsterdam", contactMethods: [{ type: "email", address: "carol@ops.example-hosting.nl" }, { type: "voice", number: "+31687654321" }] },
    ],
    rotations: [
      { id: "primary", timezone: "Europe/Amsterdam", members: ["alice", "bob"], handoff: { every: "week", day: "monday", at: "09:00" }, start: "2026-01-05" },
    ],
    policies: [
      { id: "default", levels: [{ timeoutMinutes: 10, targets: [{ rotation: "primary" }] }, { timeoutMinutes: 15, targets: [{ person: "carol" }] }], repeat: 2 },
      { id: "dns", levels: [{ timeoutMinutes: 5, targets: [{ person: "carol" }, { rotation: "primary" }] }] },
    ],
    routing: { rules: [{ components: ["cmp_dns"], policy: "dns" }], defaultPolicy: "default" },
    ...overrides,
  };
}

export function config(overrides: Partial<OncallConfigInput> = {}): OncallConfig {
  return OncallConfig.parse(configInput(overrides));
}
