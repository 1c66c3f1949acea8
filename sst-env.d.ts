/* Types of SST's `Resource` for this app (what `sst install`/`sst dev` would generate). */
/* deno-fmt-ignore-file */
/**
 * Jobledger's functions read their configuration from environment variables resolved by
 * packages/core/src/config.ts (set per function in stacks/functions.ts), not from linked
 * resources: SST's links grant `dynamodb:*`-wide permissions, and the stacks grant exact
 * actions instead. So `Resource` holds only the app itself and the secret the stacks declare.
 */
import "sst";
declare module "sst" {
  export interface Resource {
    SigningMasterKey: {
      type: "sst.sst.Secret";
      value: string;
    };
  }
}
export {};
