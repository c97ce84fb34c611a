// The registry of provider fakes: one line per provider (each in its own file).
import type { ProviderFake } from "./types";

export const providerFakes: ProviderFake[] = [];
