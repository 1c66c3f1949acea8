/**
 * The lake projector as a change-feed consumer (`lake-projector`): the whole Kinesis batch is
 * written at once (Parquet wants few, larger files), so a failure fails every record of the
 * batch and the retry writes the same objects again.
 */
import type { DecodedEvent } from "@jobledger/events";
import type { StreamConsumerHandler } from "../../changefeed/consumer.ts";
import { decodeChangeRecord } from "../../changefeed/record.ts";
import { createLogger, type Logger } from "../../logging.ts";
import type { LakeWriter } from "./lake-writer.ts";

export function createLakeProjectorHandler(
  writer: LakeWriter,
  logger: Logger = createLogger("lake-projector"),
): StreamConsumerHandler {
  return async (event) => {
    const records = event.Records ?? [];
    try {
      const events: DecodedEvent[] = [];
      for (const record of records) events.push(...decodeChangeRecord(record).events);
      if (events.length > 0) {
        const result = await writer.write(events);
        logger.debug(
          { records: records.length, ...result, objects: result.objects.length },
          "lake batch written",
        );
      }
      return { batchItemFailures: [] };
    } catch (error) {
      logger.error(
        { err: error, records: records.length },
        "lake batch failed; the whole batch will be retried",
      );
      return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
    }
  };
}
