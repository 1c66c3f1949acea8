/**
 * What the API needs from the rest of the system (wired by the Lambda handler or the local
 * runtime) and the per-request variables its middleware sets.
 */

import type { JobQueries } from "@jobledger/core/adapters/postgres/job-queries";
import type { RunQueries } from "@jobledger/core/adapters/postgres/run-queries";
import type { JobCommands } from "@jobledger/core/application/job-commands";
import type { RunCommands } from "@jobledger/core/application/run-commands";
import type { AppConfig } from "@jobledger/core/config";
import type { Logger } from "@jobledger/core/logging";
import type { Clock } from "@jobledger/core/ports/clock";
import type { EventStore } from "@jobledger/core/ports/event-store";
import type { IdempotencyStore } from "@jobledger/core/ports/idempotency";

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
}

export interface ApiVariables {
  requestId: string;
  tenant: string;
  actor: string;
}

export type ApiEnv = { Variables: ApiVariables };
