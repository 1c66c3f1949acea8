/**
 * On AWS a parked stream is retried by its consumer's own function (its code, its
 * permissions): the API invokes the function with this payload instead of a Kinesis batch,
 * and the entry point answers the consumer's `RetryOutcome`.
 */
export interface RetryParkedRequest {
  jobledgerRetryParked: { streamId: string };
}

export function retryParkedRequest(streamId: string): RetryParkedRequest {
  return { jobledgerRetryParked: { streamId } };
}

export function isRetryParkedRequest(event: unknown): event is RetryParkedRequest {
  const request = (event as Partial<RetryParkedRequest> | null)?.jobledgerRetryParked;
  return typeof request === "object" && request !== null && typeof request.streamId === "string";
}
