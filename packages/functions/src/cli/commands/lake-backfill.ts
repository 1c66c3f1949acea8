/**
 * `jobledger lake:backfill` (`npm run lake:backfill`): writes the lake from the event store, for
 * events from before the lake projector existed, tenant by tenant, with a progress bar.
 * It writes only what the lake does not hold yet: before writing to a partition it reads the
 * event ids (and run rows) the partition's objects hold, so a lake the live projector already
 * wrote, or an earlier backfill, never gets an event twice. An event the projector writes after
 * the backfill read its partition (it was committed during the backfill) can still be written
 * by both: backfill before the projector starts, or when it is caught up.
 */
import { createLakeObjectStore } from "@jobledger/core/adapters/lake/from-config";
import { createLakeWriter } from "@jobledger/core/adapters/lake/lake-writer";
import type { DecodedEvent } from "@jobledger/events";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { CliError } from "../program.ts";
import { openEventStore } from "./export.ts";

interface BackfillOptions {
  tenant: string[];
  prefix?: string;
  until?: string;
  batch: string;
  progress: boolean;
}

export function register(program: Command): void {
  program
    .command("lake:backfill")
    .description("write the analytics lake (Parquet) from the event store, with progress")
    .option("--tenant <tenant...>", "tenants to backfill (default: the default tenant)")
    .option("--prefix <prefix>", "write under this key prefix instead of JOBLEDGER_LAKE_PREFIX")
    .option("--until <instant>", "only events that occurred before this ISO instant")
    .option("--batch <events>", "events per Parquet object group", "20000")
    .option("--no-progress", "no progress bar")
    .action(async (options: BackfillOptions) => {
      const until = options.until === undefined ? null : new Date(options.until);
      if (until && Number.isNaN(until.getTime()))
        throw new CliError(`--until "${options.until}" is not an ISO instant`);
      const batchSize = Number(options.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1)
        throw new CliError("--batch must be a positive integer");

      const access = await openEventStore();
      try {
        const { config, store: eventStore } = access;
        const tenants = options.tenant?.length ? options.tenant : [config.defaultTenant];
        const objectStore = createLakeObjectStore(config, options.prefix ?? config.lake.prefix);
        const writer = createLakeWriter({ store: objectStore, eventStore, skipRowsInLake: true });
        const bar = options.progress
          ? new SingleBar({
              format: "{tenant} |{bar}| {value} events read, {rows} rows, {objects} objects",
              stream: process.stderr,
              hideCursor: true,
            })
          : null;
        let totalEvents = 0;
        let totalObjects = 0;
        for (const tenant of tenants) {
          let read = 0;
          let rows = 0;
          let objects = 0;
          let inLake = 0;
          // an estimate grows as pages arrive (the event store cannot count cheaply)
          bar?.start(1, 0, { tenant, rows, objects });
          let pending: DecodedEvent[] = [];
          const flush = async () => {
            if (pending.length === 0) return;
            const result = await writer.write(pending);
            rows += result.eventRows + result.runRows;
            objects += result.objects.length;
            inLake += result.eventsInLake;
            pending = [];
          };
          let cursor: string | null = null;
          do {
            const page = await eventStore.readTenant(tenant, { cursor, limit: 500 });
            read += page.events.length;
            for (const event of page.events) if (!until || event.occurredAt < until) pending.push(event);
            if (pending.length >= batchSize) await flush();
            cursor = page.cursor;
            bar?.setTotal(cursor ? read + 500 : Math.max(read, 1));
            bar?.update(read, { tenant, rows, objects });
          } while (cursor);
          await flush();
          bar?.update(read, { tenant, rows, objects });
          bar?.stop();
          totalEvents += read;
          totalObjects += objects;
          process.stdout.write(
            `${tenant}: ${read} events read, ${inLake} already in the lake, ${rows} rows in ${objects} objects\n`,
          );
        }
        process.stdout.write(
          `lake backfill done: ${totalEvents} events, ${totalObjects} objects in ${createLakeObjectStore(config, options.prefix ?? config.lake.prefix).location}\n`,
        );
      } finally {
        await access.close();
      }
    });
}
