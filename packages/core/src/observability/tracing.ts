/**
 * OpenTelemetry traces. `setupTracing` installs a BasicTracerProvider (sdk-trace-base) as the
 * global provider with an AsyncLocalStorage context manager, exporting to
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (OTLP/HTTP) when set, else to the console when
 * `JOBLEDGER_TRACE=console`; without either, spans are not recorded (the API's no-op tracer).
 *
 * One trace per correlation id. Events carry no W3C trace context, only the correlation id
 * (`X-Request-ID`, or a generated one), so the trace id is derived from it:
 * `traceIdFor(correlationId)` (first 32 hex digits of its SHA-256) under a virtual root span
 * (`rootSpanIdFor`). The API request span and every consumer's record span for events of
 * that correlation id are children of that virtual root, so a backend shows the request,
 * its append, and the projector/runner work that followed across the stream as one trace.
 * Every span carries
 * `jobledger.correlation_id`.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import {
  type Attributes,
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanStatusCode,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";

export const CORRELATION_ID = "jobledger.correlation_id";
const TRACER = "jobledger";

/** An OpenTelemetry context manager on AsyncLocalStorage (what context-async-hooks does). */
class AsyncLocalContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== "function") return target;
    const run = this.storage.run.bind(this.storage);
    return ((...args: unknown[]) => run(ctx, () => (target as (...a: unknown[]) => unknown)(...args))) as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

export interface TracingOptions {
  env?: Record<string, string | undefined>;
  serviceName?: string;
  /** export here instead of what the environment says (tests: an InMemorySpanExporter) */
  exporter?: SpanExporter;
}

export interface Tracing {
  provider: BasicTracerProvider | null;
  shutdown(): Promise<void>;
}

let installed: Tracing | null = null;

/** Installs the global tracer provider once; later calls return the first (tests may pass an exporter first). */
export function setupTracing(options: TracingOptions = {}): Tracing {
  if (installed) return installed;
  const env = options.env ?? process.env;
  let processor: SimpleSpanProcessor | BatchSpanProcessor | null = null;
  if (options.exporter) processor = new SimpleSpanProcessor(options.exporter);
  else if (env.OTEL_EXPORTER_OTLP_ENDPOINT) processor = new BatchSpanProcessor(new OTLPTraceExporter());
  else if (env.JOBLEDGER_TRACE === "console") processor = new SimpleSpanProcessor(new ConsoleSpanExporter());
  if (!processor) {
    installed = { provider: null, shutdown: async () => {} };
    return installed;
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": options.serviceName ?? env.OTEL_SERVICE_NAME ?? "jobledger",
    }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalContextManager());
  trace.setGlobalTracerProvider(provider);
  installed = { provider, shutdown: () => provider.shutdown() };
  return installed;
}

const hex = (value: string, salt: string) => createHash("sha256").update(salt).update(value).digest("hex");

export function traceIdFor(correlationId: string): string {
  return hex(correlationId, "trace:").slice(0, 32);
}
export function rootSpanIdFor(correlationId: string): string {
  return hex(correlationId, "root:").slice(0, 16);
}

/** The virtual root of a correlation id's trace (a remote parent: never exported itself). */
export function correlationSpanContext(correlationId: string): SpanContext {
  return {
    traceId: traceIdFor(correlationId),
    spanId: rootSpanIdFor(correlationId),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  };
}

/** A context whose parent is the correlation id's virtual root. */
export function correlationContext(correlationId: string): Context {
  return trace.setSpanContext(context.active(), correlationSpanContext(correlationId));
}

/**
 * Runs `fn` in a span (a child of the active span, or of `parent`), ending it when `fn`
 * settles and recording a thrown error.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: { parent?: Context; links?: SpanContext[] } = {},
): Promise<T> {
  const tracer = trace.getTracer(TRACER);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { attributes, links: (options.links ?? []).map((ctx) => ({ context: ctx })) },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

/** Spans for an append: a child of the active span (the API request, a consumer's record). */
export function traceAppend<T extends { correlationId: string; type: string }, R>(
  streamId: string,
  events: readonly T[],
  append: () => Promise<R>,
): Promise<R> {
  const correlationId = events[0]?.correlationId ?? "";
  const parent = trace.getSpan(context.active()) ? undefined : correlationContext(correlationId);
  return withSpan(
    "eventstore.append",
    {
      [CORRELATION_ID]: correlationId,
      "jobledger.stream_id": streamId,
      "jobledger.event_types": events.map((e) => e.type).join(","),
      "jobledger.event_count": events.length,
    },
    append,
    parent ? { parent } : {},
  );
}

/** A consumer's span for one change record, in the trace of the record's correlation id. */
export function traceRecord<R>(
  consumer: string,
  events: ReadonlyArray<{ correlationId: string; streamId: string; type: string }>,
  handle: () => Promise<R>,
): Promise<R> {
  const correlationId = events[0]?.correlationId ?? "";
  return withSpan(
    `consume ${consumer}`,
    {
      [CORRELATION_ID]: correlationId,
      "jobledger.consumer": consumer,
      "jobledger.stream_id": events[0]?.streamId ?? "",
      "jobledger.event_types": events.map((e) => e.type).join(","),
    },
    handle,
    { parent: correlationContext(correlationId) },
  );
}
