// Sign in with GitHub: the authorize redirect and the code exchange on return.
import { call, makeApi } from "./api";
import type { Config } from "./config";
import { newOAuthState, takeOAuthState, type Session } from "./session";

/** Where GitHub sends the person back: this page, without query or fragment. */
function redirectUri(): string {
  return window.location.origin + window.location.pathname;
}

/** Sends the person to GitHub's authorize page with a fresh `state`. */
export function startSignIn(config: Config): void {
  const url = new URL(config.githubUrl + "/login/oauth/authorize");
  url.searchParams.set("client_id", config.githubClientId);
  url.searchParams.set("redirect_uri", redirectUri());
  url.searchParams.set("scope", "repo user:email");
  url.searchParams.set("state", newOAuthState());
  window.location.assign(url.toString());
}

/** True when this page load is GitHub's redirect back (a code or an error). */
export function isOAuthReturn(): boolean {
  const q = new URLSearchParams(window.location.search);
  return q.has("state") && (q.has("code") || q.has("error"));
}

let exchange: Promise<Session> | null = null;

/** Checks `state`, exchanges the code at /rpc/login_github (once per page load). */
export function completeSignIn(config: Config): Promise<Session> {
  exchange ??= (async () => {
    const q = new URLSearchParams(window.location.search);
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
    const error = q.get("error");
    if (error)
      throw new Error(`GitHub did not sign you in: ${q.get("error_description") ?? error}.`);
    if (!takeOAuthState(q.get("state") ?? ""))
      throw new Error(
        "The sign-in could not be verified (its state did not match). Please try again.",
      );
    const rows = await call<Session | Session[]>(
      makeApi(config.apiUrl, null, () => {}).rpc("login_github", {
        code: q.get("code"),
        redirect_uri: redirectUri(),
      }),
    );
    const s = Array.isArray(rows) ? rows[0] : rows;
    if (!s) throw new Error("The sign-in returned no session.");
    return s;
  })();
  return exchange;
}
