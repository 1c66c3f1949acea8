/**
 * Retries a parked stream in its consumer's Lambda function (see changefeed/retry-request.ts):
 * a synchronous Invoke whose answer is the consumer's `RetryOutcome`.
 */
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { RetryOutcome } from "../../changefeed/consumer.ts";
import { retryParkedRequest } from "../../changefeed/retry-request.ts";

export function lambdaRetryParked(client: LambdaClient, functionName: string) {
  return async (streamId: string): Promise<RetryOutcome> => {
    const result = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        Payload: Buffer.from(JSON.stringify(retryParkedRequest(streamId))),
      }),
    );
    const text = Buffer.from(result.Payload ?? new Uint8Array()).toString("utf8");
    if (result.FunctionError) {
      throw new Error(
        `${functionName} failed to retry ${streamId}: ${result.FunctionError} ${text.slice(0, 500)}`,
      );
    }
    return JSON.parse(text) as RetryOutcome;
  };
}
