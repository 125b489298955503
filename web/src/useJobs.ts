// The person's jobs, polled while any is active: every second while they
// move, backing off (×1.5, at most 8 s) while nothing changes or the API is
// unreachable; polling stops once every job is terminal.
import { useCallback, useEffect, useState } from "react";
import { ApiFailure, call, type Api } from "./api";
import { ACTIVE, type Job } from "./types";

const COLUMNS =
  "id,repository,repo_url,status,progress,stage,error,created_at,started_at,finished_at";

export function useJobs(api: Api) {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer = 0;
    let delay = 1000;
    let last = "";
    const poll = async () => {
      try {
        const rows = await call<Job[]>(
          api.from("jobs").select(COLUMNS).order("id", { ascending: false }).limit(50).retry(false),
        );
        if (stopped) return;
        setJobs(rows);
        setFailure(null);
        if (!rows.some((j) => ACTIVE.includes(j.status))) return;
        const now = JSON.stringify(rows);
        delay = now === last ? Math.min(delay * 1.5, 8000) : 1000;
        last = now;
      } catch (e) {
        if (stopped) return;
        setFailure(e instanceof ApiFailure ? e : new ApiFailure(0, {}));
        delay = Math.min(delay * 1.5, 8000);
      }
      timer = window.setTimeout(poll, delay);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [api, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { jobs, failure, reload };
}
