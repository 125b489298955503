// The first page after sign-in: the analyse field and the person's jobs.
import type { Api } from "../api";
import { useJobs } from "../useJobs";
import { AnalyseForm } from "./AnalyseForm";
import { JobList } from "./JobList";

export function HomePage({ api }: { api: Api }) {
  const { jobs, failure, reload } = useJobs(api);
  return (
    <>
      <h1>Analyse a repository</h1>
      <AnalyseForm api={api} onSubmitted={reload} />
      <JobList api={api} jobs={jobs} failure={failure} onChanged={reload} />
    </>
  );
}
