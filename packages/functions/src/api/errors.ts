/** Maps errors of the domain, the command services and the adapters to problem details. */
import { InvalidCursor } from "@jobledger/core/adapters/postgres/job-queries";
import { ConcurrentModification, PreconditionFailed } from "@jobledger/core/application/errors";
import {
  AlreadyExists,
  Gone,
  InvalidTransition,
  NotFound,
  ValidationFailed,
} from "@jobledger/core/domain/errors";
import { ProblemError, problems } from "./problem.ts";

export function commandErrorToProblem(error: unknown): unknown {
  if (error instanceof ProblemError) return error;
  if (error instanceof ValidationFailed) return problems.validation([...error.issues]);
  if (error instanceof NotFound) return problems.notFound(error.label);
  if (error instanceof Gone) return problems.gone(error.label);
  if (error instanceof AlreadyExists) return problems.conflict(error.message);
  if (error instanceof InvalidTransition) return problems.invalidTransition(error.message);
  if (error instanceof PreconditionFailed) return problems.preconditionFailed(error.currentVersion);
  if (error instanceof ConcurrentModification) return problems.conflict(error.message);
  if (error instanceof InvalidCursor)
    return problems.validation([{ path: "query.cursor", message: error.message }], 400);
  return error;
}
