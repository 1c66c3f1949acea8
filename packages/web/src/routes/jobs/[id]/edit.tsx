import { useParams } from "@solidjs/router";
import { createResource } from "solid-js";
import { AsyncState } from "../../../components/AsyncState";
import { JobForm } from "../../../components/JobForm";
import { apiSettled } from "../../../lib/api";
import { formFromJob } from "../../../lib/job-form";
import type { Job } from "../../../lib/types";

export default function EditJobPage() {
  const params = useParams<{ id: string }>();
  const [job] = createResource(
    () => params.id,
    (id) => apiSettled<Job>(`/api/v1/jobs/${id}`),
  );
  return (
    <>
      <h1>Edit job</h1>
      <AsyncState resource={job} what="the job">
        {(j) => <JobForm initial={formFromJob(j)} job={j} />}
      </AsyncState>
    </>
  );
}
