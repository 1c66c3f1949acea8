/**
 * Loading / error / empty / ready rendering for one resource, with a clear message for a missing
 * endpoint. It reads `latest`, so a refetch (live updates) keeps the current content on screen
 * instead of suspending back to a loading state.
 */
import { type JSX, Match, type Resource, Switch } from "solid-js";
import { ApiError } from "../lib/api";

export function errorMessage(error: unknown, what: string): string {
  if (error instanceof ApiError) {
    if (error.status === 404)
      return `${what} is not available from this API (404: ${error.problem.detail ?? error.problem.title}).`;
    if (error.status === 401 || error.status === 403)
      return `The console is not allowed to read ${what} (${error.status}). Check JOBLEDGER_API_TOKEN.`;
    return `Could not load ${what}: ${error.message}`;
  }
  return `Could not load ${what}: ${String(error)}`;
}

/** The message for a failed action ("Pause failed: …"). */
export function actionError(error: unknown, action: string): string {
  if (error instanceof ApiError && error.status === 404)
    return `${action} is not available from this API (404: ${error.problem.detail ?? error.problem.title}).`;
  return `${action} failed: ${error instanceof Error ? error.message : String(error)}`;
}

export function AsyncState<T>(props: {
  resource: Resource<T>;
  what: string;
  isEmpty?: (value: T) => boolean;
  empty?: JSX.Element;
  children: (value: T) => JSX.Element;
}) {
  return (
    <Switch>
      <Match when={props.resource.error}>
        <p class="state state-error" role="alert">
          {errorMessage(props.resource.error, props.what)}
        </p>
      </Match>
      <Match when={props.resource.latest === undefined}>
        <p class="state state-loading" aria-busy="true">
          Loading {props.what}…
        </p>
      </Match>
      <Match when={props.isEmpty?.(props.resource.latest as T)}>
        <div class="state state-empty">{props.empty ?? <p>No {props.what} yet.</p>}</div>
      </Match>
      <Match when={true}>{props.children(props.resource.latest as T)}</Match>
    </Switch>
  );
}
