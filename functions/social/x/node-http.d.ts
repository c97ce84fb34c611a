// node:http's Agent, the one Node API the X client needs (for a plain-http fake or stand-in):
// typed here so Node's whole type library stays out of the Worker's program.
declare module "node:http" {
  export class Agent {
    constructor(options?: { keepAlive?: boolean });
  }
}
