// The result of a completed job (api.job_result): the person's numbers, the
// repository's languages and theirs, top authors, technologies with evidence
// linked to GitHub at the analysed commit, skipped files, timing.
import { useEffect, useMemo, useState } from "react";
import { ApiFailure, call, type Api } from "../api";
import { count, duration, percent, when } from "../format";
import type { AnalysisResult, Job } from "../types";
import { ApiError } from "./ApiError";
import { BarChart } from "./BarChart";
import { Notice } from "./Notice";
import { TechnologyList } from "./TechnologyList";

export default function ResultPage({ api, id }: { api: Api; id: number }) {
  const [job, setJob] = useState<Job | null>(null);
  const [result, setResult] = useState<AnalysisResult | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([
      call<Job>(api.rpc("job", { id })),
      call<AnalysisResult>(api.rpc("job_result", { id })),
    ]).then(
      ([j, r]) => {
        if (!live) return;
        setJob(j);
        setResult(r);
      },
      (e: unknown) => live && setFailure(e instanceof ApiFailure ? e : new ApiFailure(0, {})),
    );
    return () => {
      live = false;
    };
  }, [api, id]);

  const repoLanguages = useMemo(
    () =>
      (result?.languages?.languages ?? []).slice(0, 12).map((l) => ({
        label: l.name,
        value: l.percent,
        text: `${l.percent.toFixed(1)} %`,
      })),
    [result],
  );
  const userLanguages = useMemo(
    () =>
      (result?.user?.by_language ?? []).slice(0, 12).map((l) => ({
        label: l.language,
        value: l.lines,
        text: count(l.lines),
      })),
    [result],
  );

  if (failure)
    return (
      <>
        <h1>Result</h1>
        <ApiError failure={failure} />
        <p>
          <a href="#/">Back to your analyses</a>
        </p>
      </>
    );
  if (!job || !result) return <Notice kind="info">Loading the result…</Notice>;

  const user = result.user;
  const web = (result.repo.url ?? job.repo_url).replace(/\.git$/, "").replace(/\/$/, "");
  const ran =
    job.started_at && job.finished_at
      ? Date.parse(job.finished_at) - Date.parse(job.started_at)
      : result.stats.total_ms;

  return (
    <article className="result">
      <h1>{result.repo.full_name ?? job.repository}</h1>
      <p className="muted">
        Analysed {when(job.finished_at)} at commit <code>{result.repo.head.slice(0, 12)}</code>; the
        job took {duration(ran)} (analysis {duration(result.stats.total_ms)}).{" "}
        <a href="#/">Back to your analyses</a>
      </p>

      <section aria-labelledby="you-heading">
        <h2 id="you-heading">Your part</h2>
        {user ? (
          <dl className="figures" data-testid="user-figures">
            <Figure name="Surviving lines" value={count(user.lines)} testid="lines" />
            <Figure name="Share of the code" value={percent(user.share)} testid="share" />
            <Figure name="Commits" value={count(user.commits)} testid="commits" />
            <Figure name="Lines added" value={count(user.additions)} testid="additions" />
            <Figure name="Lines deleted" value={count(user.deletions)} testid="deletions" />
            <Figure name="First commit" value={when(user.first_commit)} testid="first" />
            <Figure name="Last commit" value={when(user.last_commit)} testid="last" />
          </dl>
        ) : (
          <p>None of your verified e-mail addresses is an author of this repository.</p>
        )}
      </section>

      <div className="charts">
        <BarChart title="Languages of the repository" unit="Share of bytes" bars={repoLanguages} />
        <BarChart title="Your lines by language" unit="Lines" bars={userLanguages} />
      </div>

      <section aria-labelledby="authors-heading">
        <h2 id="authors-heading">Top authors</h2>
        <div className="scroll">
          <table className="authors">
            <thead>
              <tr>
                <th scope="col">Author</th>
                <th scope="col">Lines</th>
                <th scope="col">Share</th>
                <th scope="col">Commits</th>
              </tr>
            </thead>
            <tbody>
              {result.authors.slice(0, 10).map((a) => (
                <tr key={a.email} className={a.is_user ? "is-user" : undefined}>
                  <th scope="row">
                    {a.name} {a.is_user && <span className="badge">you</span>}
                  </th>
                  <td>{count(a.lines)}</td>
                  <td>{percent(a.share)}</td>
                  <td>{count(a.commits)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="tech-heading">
        <h2 id="tech-heading">Technologies</h2>
        <TechnologyList
          technologies={result.stack?.technologies ?? []}
          fileUrl={(path) =>
            `${web}/blob/${result.repo.head}/${path.split("/").map(encodeURIComponent).join("/")}`
          }
        />
      </section>

      <section aria-labelledby="skipped-heading">
        <h2 id="skipped-heading">Skipped files</h2>
        {result.stats.skipped.length === 0 ? (
          <p>No file was skipped.</p>
        ) : (
          <ul className="skipped">
            {result.stats.skipped.map((s) => (
              <li key={s.path}>
                <code>{s.path}</code> — {s.reason}
              </li>
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}

function Figure({ name, value, testid }: { name: string; value: string; testid: string }) {
  return (
    <div className="figure">
      <dt>{name}</dt>
      <dd data-testid={testid}>{value}</dd>
    </div>
  );
}
