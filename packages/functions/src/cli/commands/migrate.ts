/**
 * `jobledger migrate notification-keys`: the one-off move of the notifications table to
 * case-keeping keys (ElectroDB lower-cased them, so tenants `ta` and `tA` shared a partition).
 * The local start runs it by itself; on AWS run it once per stage after deploying, with the
 * stage's environment (JOBLEDGER_STAGE, AWS credentials). Idempotent: a marker item makes a
 * second run a no-op (`--force` scans again).
 */
import { createDynamoClients } from "@jobledger/core/adapters/local/standins";
import { migrateNotificationKeyCasing } from "@jobledger/core/adapters/notify/migrate-key-casing";
import { loadConfig } from "@jobledger/core/config";
import type { Command } from "commander";

export function register(program: Command): void {
  const migrate = program.command("migrate").description("one-off data migrations");
  migrate
    .command("notification-keys")
    .description("move notification items to case-keeping keys (tenants that differ only in case)")
    .option("--force", "scan again even if the table is marked as migrated")
    .action(async (options: { force?: boolean }) => {
      const config = loadConfig(process.env);
      const { doc, destroy } = createDynamoClients({
        endpoint: config.dynamodb.endpoint,
        region: config.region,
      });
      try {
        const tableName = config.dynamodb.notificationsTable;
        const result = await migrateNotificationKeyCasing({ doc, tableName, force: options.force ?? false });
        process.stdout.write(
          result.skipped
            ? `${tableName}: already migrated (--force to scan again)\n`
            : `${tableName}: ${result.scanned} items scanned, ${result.moved} moved to case-keeping keys\n`,
        );
      } finally {
        destroy();
      }
    });
}
