/// <reference path="./.sst/platform/config.d.ts" />
/**
 * Jobledger on AWS. Deploy with `npx sst deploy --stage <name>` (needs AWS credentials; not
 * exercised on the development machines). Modules in `stacks/` declare the pieces.
 */
export default $config({
  app(input) {
    return {
      name: "jobledger",
      removal: input?.stage === "production" ? "retain" : "remove",
      home: "aws",
    };
  },
  async run() {
    const { eventStore } = await import("./stacks/event-store");
    const { stream, table, idempotency } = eventStore();
    const environment = {
      JOBLEDGER_STAGE: $app.stage,
      JOBLEDGER_EVENTS_TABLE: table.name,
      JOBLEDGER_IDEMPOTENCY_TABLE: idempotency.name,
      JOBLEDGER_STREAM_NAME: stream.name,
      JOBLEDGER_CHANGE_FEED: "native",
    };
    const api = new sst.aws.Function("Api", {
      handler: "packages/functions/src/handlers/api.handler",
      runtime: "nodejs20.x",
      url: true,
      link: [table, idempotency],
      environment,
      copyFiles: [{ from: "packages/core/src/adapters/postgres/migrations", to: "migrations" }],
    });
    // The projector and runner subscriptions, Postgres, Redis, the lake and alarms come with
    // the infrastructure issue; see stacks/README.md.
    return { api: api.url };
  },
});
