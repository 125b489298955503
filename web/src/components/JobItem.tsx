// One job: repository, status, progress bar and stage, a cancel button while
// it is active, a link to its result once completed.
import { useState } from "react";
import { ApiFailure, call, type Api } from "../api";
import { when } from "../format";
import { ACTIVE, type Job } from "../types";
import { ApiError } from "./ApiError";

export function JobItem({ api, job, onChanged }: { api: Api; job: Job; onChanged: () => void }) {
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const active = ACTIVE.includes(job.status);
  const progress = job.status === "completed" ? 1 : (job.progress ?? 0);
  const labelId = `job-${job.id}-name`;

  const cancel = async () => {
    setBusy(true);
    try {
      await call(api.rpc("cancel_job", { id: job.id }));
      setFailure(null);
      onChanged();
    } catch (e) {
      setFailure(e instanceof ApiFailure ? e : new ApiFailure(0, {}));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={`job job-${job.status}`} data-job-id={job.id}>
      <div className="job-head">
        <span id={labelId} className="job-repo">
          {job.repository}
        </span>
        <span className={`status status-${job.status}`}>{job.status}</span>
      </div>
      <progress max={1} value={progress} aria-labelledby={labelId} />
      <div className="job-meta">
        <span className="job-stage">
          {active
            ? `Stage: ${job.stage ?? "waiting for a worker"}`
            : `Finished ${when(job.finished_at)}`}
        </span>
        <span className="job-percent">{Math.round(progress * 100)} %</span>
      </div>
      {job.error && <p className="job-error">{job.error}</p>}
      <div className="job-actions">
        {job.status === "completed" && (
          <a href={`#/jobs/${job.id}`}>View the result of {job.repository}</a>
        )}
        {active && (
          <button type="button" onClick={cancel} disabled={busy}>
            Cancel {job.repository}
          </button>
        )}
      </div>
      {failure && <ApiError failure={failure} />}
    </li>
  );
}
