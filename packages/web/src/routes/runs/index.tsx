import { RunsTable } from "../../components/RunsTable";

export default function RunsPage() {
  return (
    <>
      <h1>Runs</h1>
      <RunsTable showJob />
    </>
  );
}
