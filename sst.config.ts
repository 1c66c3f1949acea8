/// <reference path="./.sst/platform/config.d.ts" />
/**
 * Jobledger on AWS. Deploy a stage with `npx sst secret set SigningMasterKey <key> --stage <name>`
 * then `npx sst deploy --stage <name>` (needs AWS credentials; not exercised on the development
 * machines or in CI, which check the stacks offline: see docs/deploy.md). The modules in
 * `stacks/` declare the pieces; `stacks/settings.ts` holds what a stage may tune.
 */
export default $config({
  app(input) {
    return {
      name: "jobledger",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
      home: "aws",
      providers: { aws: { version: "7.20.0" } },
    };
  },
  async run() {
    const { stackSettings } = await import("./stacks/settings.ts");
    const { eventStore } = await import("./stacks/event-store.ts");
    const { network } = await import("./stacks/network.ts");
    const { lake } = await import("./stacks/lake.ts");
    const { functions } = await import("./stacks/functions.ts");
    const { auth } = await import("./stacks/auth.ts");
    const { notificationChannels } = await import("./stacks/notifications.ts");
    const { alarms } = await import("./stacks/alarms.ts");
    const { dashboard } = await import("./stacks/dashboard.ts");
    const { webConsole } = await import("./stacks/console.ts");

    const settings = stackSettings($app.stage, process.env);
    const signingMasterKey = new sst.Secret("SigningMasterKey");
    const store = eventStore(settings);
    const net = network(settings);
    const analytics = lake(settings.bodyRetentionDays);
    const users = auth(settings);
    const channels = notificationChannels(settings);
    const fns = functions({ settings, store, net, signingMasterKey, users, channels, analytics });
    const monitoring = alarms(settings, fns);
    const board = dashboard(fns, monitoring.alarms);
    const webApp = webConsole(process.cwd(), fns.httpApi.url);

    return {
      api: fns.httpApi.url,
      console: webApp?.url,
      eventsTable: store.table.name,
      stream: store.stream.name,
      userPool: users.userPool.id,
      userPoolClient: users.client.id,
      integrationBus: channels.eventBus.name,
      lakeBucket: analytics.bucket.name,
      athenaWorkgroup: analytics.workgroup.name,
      alarmTopic: monitoring.topic.arn,
      dashboard: board.name,
    };
  },
});
