// The repository URL field; the API's validation message shows next to it.
import { useState, type FormEvent } from "react";
import { ApiFailure, call, type Api } from "../api";
import { ApiError } from "./ApiError";

export function AnalyseForm({ api, onSubmitted }: { api: Api; onSubmitted: () => void }) {
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await call(api.rpc("submit_analysis", { repo_url: url.trim() }));
      setFailure(null);
      setUrl("");
      onSubmitted();
    } catch (err) {
      setFailure(err instanceof ApiFailure ? err : new ApiFailure(0, {}));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="analyse" onSubmit={submit} noValidate>
      <label htmlFor="repo-url">Repository URL</label>
      <div className="field-row">
        <input
          id="repo-url"
          name="repo_url"
          type="text"
          inputMode="url"
          autoComplete="url"
          spellCheck={false}
          placeholder="https://github.com/owner/repository"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          aria-invalid={failure ? true : undefined}
          aria-describedby={failure ? "repo-url-error" : undefined}
          required
        />
        <button type="submit" className="primary" disabled={busy || !url.trim()}>
          Analyse
        </button>
      </div>
      {failure && <ApiError failure={failure} id="repo-url-error" />}
    </form>
  );
}
