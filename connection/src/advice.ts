/**
 * How to fix what this module refuses, in one place: the parser's messages, the policy pack, the
 * provider (at preview, and on the API's refusals at `pulumi up`) and the server all say the same.
 * Fixed wording only: nothing here is built from a connection string.
 */

/** For a user or password holding a character the URI syntax reserves (a password is never quoted back). */
export const PERCENT_ENCODE_USERINFO = "percent-encode reserved characters in the user or password: @ as %40, # as %23, / as %2F, ? as %3F, : as %3A, % as %25";

/**
 * For a host that is not public, or a database Ablo could not reach: Ablo's servers connect from
 * their own network, not from where `pulumi up` runs.
 */
export const REACHABLE_FROM_ABLO =
  "Ablo connects from its own network: the database must be reachable from it on a public address (IP or DNS name), with its firewall or security group admitting Ablo's connections";
