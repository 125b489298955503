// The person's jobs, newest first: status, progress bar, stage, cancel.
import type { ApiFailure, Api } from "../api";
import { ACTIVE, type Job } from "../types";
import { ApiError } from "./ApiError";
import { JobItem } from "./JobItem";
import { Notice } from "./Notice";

export function JobList({
  api,
  jobs,
  failure,
  onChanged,
}: {
  api: Api;
  jobs: Job[] | null;
  failure: ApiFailure | null;
  onChanged: () => void;
}) {
  const active = jobs?.filter((j) => ACTIVE.includes(j.status)).length ?? 0;
  return (
    <section aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">Your analyses</h2>
      {failure && <ApiError failure={failure} />}
      {jobs === null && !failure && <Notice kind="info">Loading your analyses…</Notice>}
      {jobs !== null && jobs.length === 0 && <p>No analyses yet: enter a repository above.</p>}
      {jobs !== null && jobs.length > 0 && (
        <>
          <p className="muted" role="status">
            {active
              ? `${active} running; this list updates by itself.`
              : "All analyses have finished."}
          </p>
          <ul className="jobs">
            {jobs.map((j) => (
              <JobItem key={j.id} api={api} job={j} onChanged={onChanged} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
