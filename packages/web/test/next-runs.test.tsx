import { cleanup, render, screen, waitFor } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { NextRuns } from "../src/components/NextRuns";
import { ApiError } from "../src/lib/api";
import { type FormFieldErrors, previewProblem, type SchedulePreviewer } from "../src/lib/schedule-preview";

afterEach(cleanup);

/** A previewer that answers like the API: 422 for an empty cron expression, fires otherwise. */
function recordingPreviewer() {
  const asked: Record<string, unknown>[] = [];
  const previewer: SchedulePreviewer = async (schedule) => {
    asked.push(schedule);
    if (schedule.expression === "")
      throw new ApiError(422, {
        status: 422,
        title: "Validation failed",
        errors: [{ path: "schedule.expression", message: "schedule.expression must not be empty" }],
      });
    return {
      fires: [
        {
          at: "2027-03-28T01:30:00.000Z",
          local: "2027-03-28T03:30:00+02:00",
          note: "shifted: 02:30 does not exist (DST gap)",
        },
        { at: "2027-03-29T00:30:00.000Z", local: "2027-03-29T02:30:00+02:00" },
      ],
    };
  };
  return { asked, previewer };
}

describe("NextRuns", () => {
  it("asks once per settled edit (debounced) and lists local times with DST notes", async () => {
    const { asked, previewer } = recordingPreviewer();
    const [expression, setExpression] = createSignal("30 2 * * *");
    render(() => (
      <NextRuns
        schedule={() => ({ type: "cron", expression: expression(), timezone: "Europe/Berlin" })}
        previewer={previewer}
        debounceMs={30}
      />
    ));
    setExpression("30 2 * * 1");
    setExpression("30 2 * * *");
    expect(await screen.findByText("2027-03-28T03:30:00+02:00")).toBeTruthy();
    expect(screen.getByText(/DST gap/)).toBeTruthy();
    expect(asked).toEqual([{ type: "cron", expression: "30 2 * * *", timezone: "Europe/Berlin" }]);
  });

  it("sends field errors back to the form and recovers when the schedule is fixed", async () => {
    const { asked, previewer } = recordingPreviewer();
    const [expression, setExpression] = createSignal("");
    const [fieldErrors, setFieldErrors] = createSignal<FormFieldErrors>({});
    render(() => (
      <NextRuns
        schedule={() => ({ type: "cron", expression: expression(), timezone: "UTC" })}
        previewer={previewer}
        onFieldErrors={setFieldErrors}
        debounceMs={10}
      />
    ));
    await waitFor(() => expect(fieldErrors().expression).toBe("schedule.expression must not be empty"));
    expect(screen.getByText("Fix the schedule to see its next runs.")).toBeTruthy();
    setExpression("0 * * * *");
    expect(await screen.findByText("2027-03-29T02:30:00+02:00")).toBeTruthy();
    expect(fieldErrors()).toEqual({});
    expect(asked).toHaveLength(2);
  });
});

describe("previewProblem", () => {
  it("maps 422 paths to form fields and keeps the rest", () => {
    const out = previewProblem(
      new ApiError(422, {
        status: 422,
        title: "Validation failed",
        errors: [
          {
            path: "schedule.timezone",
            message: 'schedule.timezone "Mars/Base" is not a known IANA time zone',
          },
          { path: "schedule.endAt", message: "schedule.endAt must be after schedule.startAt" },
        ],
      }),
    );
    expect(out.fields).toEqual({ timezone: 'schedule.timezone "Mars/Base" is not a known IANA time zone' });
    expect(out.other).toEqual(["schedule.endAt must be after schedule.startAt"]);
  });

  it("says the preview is unavailable on other failures", () => {
    const out = previewProblem(new ApiError(502, { status: 502, title: "Bad Gateway" }));
    expect(out).toEqual({ fields: {}, other: ["Preview unavailable: Bad Gateway"] });
  });
});
