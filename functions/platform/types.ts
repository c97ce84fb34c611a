import type { StaffScope } from "../../contract/staff";
import type { Services } from "./services";

/** The authenticated caller of a staff route. */
export interface StaffPrincipal {
  tokenId: string;
  name: string;
  scopes: readonly StaffScope[];
}

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    staff: StaffPrincipal;
    services: Services;
  };
};
