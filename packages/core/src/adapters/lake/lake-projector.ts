/**
 * The lake projector as a change-feed consumer (`lake-projector`): the whole Kinesis batch is
 * written at once (Parquet wants few, larger files), and a retry writes the same objects
 * again. When a batch cannot be written for a reason of its own, the consumer wrapper writes
 * its records one by one to find and park the one at fault (see changefeed/consumer.ts).
 */
import {
  type ConsumerParking,
  createStreamConsumer,
  type StreamConsumer,
} from "../../changefeed/consumer.ts";
import { createLogger, type Logger } from "../../logging.ts";
import type { LakeWriter } from "./lake-writer.ts";

export function createLakeProjector(
  writer: LakeWriter,
  options: { logger?: Logger; parking?: ConsumerParking | null } = {},
): StreamConsumer {
  const logger = options.logger ?? createLogger("lake-projector");
  return createStreamConsumer(
    "lake-projector",
    {
      consumeBatch: async (records) => {
        const result = await writer.write(records.flatMap((r) => r.events));
        logger.debug(
          { records: records.length, ...result, objects: result.objects.length },
          "lake batch written",
        );
      },
    },
    { logger, parking: options.parking },
  );
}
