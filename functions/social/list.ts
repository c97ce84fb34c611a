// The registry: one line per social network. Everything that names networks is derived from
// this list (registry.ts): which are polled, which webhooks are mounted, what the staff API and
// `npm run x -- cost` show. A network's loopback fake is found by its folder
// (test/fakes/providers.ts). Export only network declarations here.
export { xNetwork } from "./x/network";
export { mastodonNetwork } from "./mastodon/network";
export { blueskyNetwork } from "./bluesky/network";
