import { JobForm } from "../../components/JobForm";
import { emptyForm } from "../../lib/job-form";

export default function NewJobPage() {
  return (
    <>
      <h1>New job</h1>
      <JobForm initial={emptyForm()} />
    </>
  );
}
