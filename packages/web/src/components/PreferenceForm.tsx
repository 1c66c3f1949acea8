/**
 * Create a simple notification preference (scope, kinds, one channel). The API's problem
 * `errors[].path` are shown under their fields; anything else above the form.
 */
import { createSignal, For, type JSX, Show } from "solid-js";
import { createStore } from "solid-js/store";
import { ApiError, api, fieldErrors } from "../lib/api";
import {
  type ChannelType,
  emptyPreferenceForm,
  type PreferenceForm as Form,
  NOTIFICATION_KINDS,
  type Preference,
  preferenceBody,
} from "../lib/notifications";

type FieldKey = "recipient" | "scope" | "kinds" | "target" | "secret";

/** problem path ("channels.0.address", "scope.tag") → the form field that shows it */
export function preferenceFieldOf(path: string): FieldKey | null {
  if (path === "recipient") return "recipient";
  if (path.startsWith("scope")) return "scope";
  if (path.startsWith("kinds")) return "kinds";
  if (path.startsWith("channels") && path.endsWith(".secret")) return "secret";
  if (path.startsWith("channels")) return "target";
  return null;
}

const TARGET_LABEL: Record<ChannelType, string> = {
  email: "Email address",
  slack: "Slack incoming-webhook URL",
  teams: "Teams webhook URL",
  webhook: "Webhook URL",
};

export function PreferenceForm(props: { onCreated: (p: Preference) => void }) {
  const [form, setForm] = createStore<Form>(emptyPreferenceForm());
  const [errors, setErrors] = createSignal<Partial<Record<FieldKey, string>>>({});
  const [general, setGeneral] = createSignal<string[]>([]);
  const [saving, setSaving] = createSignal(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setErrors({});
    setGeneral([]);
    try {
      const created = await api<Preference>("/api/v1/notification-preferences", {
        method: "POST",
        json: preferenceBody(form),
      });
      setForm({ ...emptyPreferenceForm(), recipient: form.recipient });
      props.onCreated(created);
    } catch (error) {
      if (error instanceof ApiError) {
        const byField: Partial<Record<FieldKey, string>> = {};
        const rest: string[] = [];
        for (const [path, message] of Object.entries(fieldErrors(error.problem))) {
          const key = preferenceFieldOf(path);
          if (key) byField[key] = byField[key] ? `${byField[key]}; ${message}` : message;
          else rest.push(`${path}: ${message}`);
        }
        setErrors(byField);
        if (rest.length > 0 || Object.keys(byField).length === 0) setGeneral([error.message, ...rest]);
      } else {
        setGeneral([`Saving failed: ${error instanceof Error ? error.message : String(error)}`]);
      }
    } finally {
      setSaving(false);
    }
  };

  const field = (name: FieldKey, label: string, input: JSX.Element) => (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is passed in as `input` and nests inside
    <label>
      {label}
      {input}
      <Show when={errors()[name]}>
        <span class="field-error" id={`pref-${name}-error`} role="alert">
          {errors()[name]}
        </span>
      </Show>
    </label>
  );
  const invalid = (name: FieldKey) => ({
    "aria-invalid": errors()[name] ? ("true" as const) : undefined,
    "aria-describedby": errors()[name] ? `pref-${name}-error` : undefined,
  });

  return (
    <form class="form" onSubmit={submit} noValidate aria-label="New notification preference">
      <Show when={general().length}>
        <div class="state state-error" role="alert">
          <For each={general()}>{(m) => <div>{m}</div>}</For>
        </div>
      </Show>
      {field(
        "recipient",
        "Recipient (user:<id> or team:<id>)",
        <input
          name="recipient"
          value={form.recipient}
          onInput={(e) => setForm("recipient", e.currentTarget.value)}
          {...invalid("recipient")}
        />,
      )}
      {field(
        "scope",
        "Scope",
        <span class="toolbar">
          <select
            name="scope"
            value={form.scope}
            onChange={(e) => setForm("scope", e.currentTarget.value as Form["scope"])}
          >
            <option value="all">all jobs</option>
            <option value="job">one job (id)</option>
            <option value="tag">jobs with a tag</option>
          </select>
          <Show when={form.scope !== "all"}>
            <input
              name="scopeValue"
              aria-label={form.scope === "job" ? "Job id" : "Tag"}
              value={form.scopeValue}
              onInput={(e) => setForm("scopeValue", e.currentTarget.value)}
              {...invalid("scope")}
            />
          </Show>
        </span>,
      )}
      <fieldset>
        <legend>Kinds</legend>
        <For each={NOTIFICATION_KINDS}>
          {(kind) => (
            <label class="inline">
              <input
                type="checkbox"
                name="kinds"
                value={kind}
                checked={form.kinds.includes(kind)}
                onChange={(e) =>
                  setForm("kinds", (ks) =>
                    e.currentTarget.checked ? [...ks, kind] : ks.filter((k) => k !== kind),
                  )
                }
              />{" "}
              {kind}
            </label>
          )}
        </For>
        <Show when={errors().kinds}>
          <span class="field-error" role="alert">
            {errors().kinds}
          </span>
        </Show>
      </fieldset>
      <label>
        Channel
        <select
          name="channel"
          value={form.channel}
          onChange={(e) => setForm("channel", e.currentTarget.value as ChannelType)}
        >
          <option value="email">email</option>
          <option value="slack">Slack</option>
          <option value="teams">Teams</option>
          <option value="webhook">webhook</option>
        </select>
      </label>
      {field(
        "target",
        TARGET_LABEL[form.channel],
        <input
          name="target"
          value={form.target}
          onInput={(e) => setForm("target", e.currentTarget.value)}
          {...invalid("target")}
        />,
      )}
      <Show when={form.channel === "webhook"}>
        {field(
          "secret",
          "Signing secret (16+ characters, write-only)",
          <input
            name="secret"
            type="password"
            value={form.secret}
            onInput={(e) => setForm("secret", e.currentTarget.value)}
            {...invalid("secret")}
          />,
        )}
      </Show>
      <div class="actions">
        <button type="submit" disabled={saving()}>
          {saving() ? "Saving…" : "Add preference"}
        </button>
      </div>
    </form>
  );
}
