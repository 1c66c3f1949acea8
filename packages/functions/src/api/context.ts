/**
 * What the API needs from the rest of the system (wired by the Lambda handler or the local
 * runtime) and the per-request variables its middleware sets.
 */

import type { JobQueries } from "@jobledger/core/adapters/postgres/job-queries";
import type { RunQueries } from "@jobledger/core/adapters/postgres/run-queries";
import type { AttemptBodies } from "@jobledger/core/application/attempt-bodies";
import type { JobCommands } from "@jobledger/core/application/job-commands";
import type { ParkedRecords } from "@jobledger/core/application/parked-records";
import type { RunCommands } from "@jobledger/core/application/run-commands";
import type { ApiKeyStore } from "@jobledger/core/auth/api-keys";
import type { Authenticator } from "@jobledger/core/auth/authenticator";
import type { Principal } from "@jobledger/core/auth/principal";
import type { AppConfig } from "@jobledger/core/config";
import type { Logger } from "@jobledger/core/logging";
import type { DeliveryLog, PreferenceStore } from "@jobledger/core/notifications/ports";
import type { DependencyTracker } from "@jobledger/core/observability/dependency-watch";
import type { SystemStatusSources } from "@jobledger/core/observability/system-status";
import type { AnalyticsEngine } from "@jobledger/core/ports/analytics-engine";
import type { Clock } from "@jobledger/core/ports/clock";
import type { EventStore } from "@jobledger/core/ports/event-store";
import type { IdempotencyStore } from "@jobledger/core/ports/idempotency";
import type { LiveStatusSource } from "@jobledger/core/ports/live-status";

/** A dependency `/ready` checks; `check` throws when it is not usable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ApiDeps {
  config: AppConfig;
  clock: Clock;
  logger: Logger;
  eventStore: EventStore;
  jobCommands: JobCommands;
  jobQueries: JobQueries;
  runCommands: RunCommands;
  runQueries: RunQueries;
  idempotency: IdempotencyStore;
  readiness: ReadinessCheck[];
  /** tracks `readiness` across checks (the local runtime's watch shares it); absent = one per app */
  dependencyTracker?: DependencyTracker;
  /** SQL over the analytics lake (DuckDB locally, Athena on AWS); absent = analytics routes answer 503 */
  analytics?: AnalyticsEngine | null;
  /** the live read model (Redis); null or absent when Redis is off or unreachable */
  live?: LiveStatusSource | null;
  /** sources of `GET /v1/system/status` (consumer and schedule lag); absent parts report null */
  observability?: SystemStatusSources;
  /** resolves the Principal of every /v1 request (JWT or API key) */
  authenticator: Authenticator;
  apiKeys: ApiKeyStore;
  /** notification preferences and the delivery log; absent = notification routes answer 503 */
  notifications?: { preferences: PreferenceStore; deliveries: DeliveryLog } | null;
  /** the consumers' parked change records; absent = the parked routes answer 503 */
  parked?: ParkedRecords | null;
  /** stored whole response bodies of attempts; absent = the body route answers 404 */
  bodies?: Pick<AttemptBodies, "read"> | null;
}

export interface ApiVariables {
  requestId: string;
  tenant: string;
  actor: string;
  /** the authenticated caller; tenant and actor are derived from it */
  principal: Principal;
}

export type ApiEnv = { Variables: ApiVariables };
