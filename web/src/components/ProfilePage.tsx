// The person's profile (api.profile): totals, languages, technologies, the
// analysed repositories, the public-card switch and the card itself.
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiFailure, call, type Api } from "../api";
import type { Config } from "../config";
import { count, percent, when } from "../format";
import type { Profile } from "../types";
import { ApiError } from "./ApiError";
import { BarChart } from "./BarChart";
import { CardPanel } from "./CardPanel";
import { Notice } from "./Notice";
import { PublicSwitch } from "./PublicSwitch";

export default function ProfilePage({ api, config }: { api: Api; config: Config }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);

  useEffect(() => {
    let live = true;
    call<Profile>(api.rpc("profile")).then(
      (p) => live && setProfile(p),
      (e: unknown) => live && setFailure(e instanceof ApiFailure ? e : new ApiFailure(0, {})),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const setPublic = useCallback((on: boolean) => setProfile((p) => p && { ...p, public: on }), []);
  const languages = useMemo(
    () =>
      (profile?.languages ?? []).slice(0, 12).map((l) => ({
        label: l.language,
        value: l.lines,
        text: count(l.lines),
      })),
    [profile],
  );

  if (failure)
    return (
      <>
        <h1>Your profile</h1>
        <ApiError failure={failure} />
      </>
    );
  if (!profile) return <Notice kind="info">Loading your profile…</Notice>;

  return (
    <article className="profile">
      <h1>{profile.display_name ?? profile.login}</h1>
      <p className="muted">@{profile.login}</p>
      <dl className="figures" data-testid="profile-figures">
        <div className="figure">
          <dt>Repositories</dt>
          <dd data-testid="repositories">{count(profile.repositories)}</dd>
        </div>
        <div className="figure">
          <dt>Surviving lines</dt>
          <dd data-testid="lines">{count(profile.lines)}</dd>
        </div>
        <div className="figure">
          <dt>Commits</dt>
          <dd data-testid="commits">{count(profile.commits)}</dd>
        </div>
      </dl>

      <section aria-labelledby="card-heading">
        <h2 id="card-heading">Your card</h2>
        <PublicSwitch api={api} on={profile.public} onChange={setPublic} />
        <CardPanel config={config} login={profile.login} isPublic={profile.public} />
      </section>

      <BarChart title="Your lines by language" unit="Lines" bars={languages} />

      <section aria-labelledby="repos-heading">
        <h2 id="repos-heading">Repositories</h2>
        {profile.repos.length === 0 ? (
          <p>No completed analysis yet.</p>
        ) : (
          <div className="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Repository</th>
                  <th scope="col">Your lines</th>
                  <th scope="col">Share</th>
                  <th scope="col">Commits</th>
                  <th scope="col">Analysed</th>
                </tr>
              </thead>
              <tbody>
                {profile.repos.map((r) => (
                  <tr key={r.repository}>
                    <th scope="row">
                      <a href={`#/jobs/${r.job_id}`}>{r.repository}</a>
                    </th>
                    <td>{count(r.lines)}</td>
                    <td>{percent(r.share)}</td>
                    <td>{count(r.commits)}</td>
                    <td>{when(r.analysed_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="ptech-heading">
        <h2 id="ptech-heading">Technologies</h2>
        {profile.technologies.length === 0 ? (
          <p>No technology was recognised yet.</p>
        ) : (
          <ul className="technologies">
            {profile.technologies.map((t) => (
              <li key={t.name}>
                <strong>{t.name}</strong>{" "}
                <span className="muted">in {t.repositories.join(", ")}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}
