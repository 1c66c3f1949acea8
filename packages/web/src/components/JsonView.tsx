/** Renders any JSON value readably: objects as definition lists, arrays of objects as tables. */
import { For, type JSX, Match, Switch } from "solid-js";

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

export function JsonView(props: { value: unknown }): JSX.Element {
  return (
    <Switch
      fallback={<span>{props.value === null || props.value === undefined ? "—" : String(props.value)}</span>}
    >
      <Match
        when={
          Array.isArray(props.value) &&
          (props.value as unknown[]).every(isObj) &&
          (props.value as unknown[]).length
        }
      >
        {(() => {
          const rows = props.value as Record<string, unknown>[];
          const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
          return (
            <table>
              <thead>
                <tr>
                  <For each={cols}>{(c) => <th>{c}</th>}</For>
                </tr>
              </thead>
              <tbody>
                <For each={rows}>
                  {(r) => (
                    <tr>
                      <For each={cols}>
                        {(c) => (
                          <td>
                            <JsonView value={r[c]} />
                          </td>
                        )}
                      </For>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          );
        })()}
      </Match>
      <Match when={Array.isArray(props.value)}>
        <span>
          {(props.value as unknown[])
            .map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v)))
            .join(", ") || "—"}
        </span>
      </Match>
      <Match when={isObj(props.value)}>
        <dl class="kv">
          <For each={Object.entries(props.value as Record<string, unknown>)}>
            {([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>
                  <JsonView value={v} />
                </dd>
              </>
            )}
          </For>
        </dl>
      </Match>
    </Switch>
  );
}
