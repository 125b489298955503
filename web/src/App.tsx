// The app shell: the session (sign-in, refresh, sign-out, 401 handling), the
// header and the page the route names.
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { ApiFailure, call, makeApi } from "./api";
import type { Config } from "./config";
import { Header } from "./components/Header";
import { HomePage } from "./components/HomePage";
import { Notice } from "./components/Notice";
import { SignInPage } from "./components/SignInPage";
import { useRoute } from "./route";
import { loadSession, refreshDelay, storeSession, type Session } from "./session";
import { completeSignIn, isOAuthReturn } from "./signin";

const ResultPage = lazy(() => import("./components/ResultPage"));
const ProfilePage = lazy(() => import("./components/ProfilePage"));

export const SESSION_ENDED = "Your session has expired. Please sign in again.";

export function App({ config }: { config: Config }) {
  const [session, setSession] = useState<Session | null>(() => {
    const s = loadSession();
    return s && Date.parse(s.expires_at) > Date.now() ? s : null;
  });
  const [message, setMessage] = useState(() => (loadSession() && !session ? SESSION_ENDED : ""));
  const [signingIn, setSigningIn] = useState(isOAuthReturn);
  const route = useRoute();

  const begin = useCallback((s: Session) => {
    storeSession(s);
    setSession(s);
    setMessage("");
  }, []);
  const end = useCallback((why: string) => {
    storeSession(null);
    setSession(null);
    setMessage(why);
  }, []);

  const api = useMemo(
    () => makeApi(config.apiUrl, session?.token ?? null, () => end(SESSION_ENDED)),
    [config.apiUrl, session?.token, end],
  );

  useEffect(() => {
    if (!signingIn) return;
    completeSignIn(config)
      .then(begin, (e: unknown) =>
        end(e instanceof Error ? `Sign-in failed: ${e.message}` : "Sign-in failed."),
      )
      .finally(() => setSigningIn(false));
  }, [signingIn, config, begin, end]);

  // Refresh the token before it expires; a 401 ends the session (makeApi).
  useEffect(() => {
    if (!session) return;
    let timer = window.setTimeout(function refresh() {
      call<Session>(api.rpc("refresh_token").retry(false)).then(
        (s) => begin({ ...session, token: s.token, expires_at: s.expires_at }),
        (e: unknown) => {
          if (e instanceof ApiFailure && e.status !== 401)
            timer = window.setTimeout(refresh, 10_000);
        },
      );
    }, refreshDelay(session));
    return () => window.clearTimeout(timer);
  }, [session, api, begin]);

  if (signingIn) return <Notice kind="info">Signing you in…</Notice>;
  if (!session) return <SignInPage config={config} message={message} />;
  return (
    <>
      <Header session={session} route={route} onSignOut={() => end("You have signed out.")} />
      <main id="main" className="page">
        <Suspense fallback={<Notice kind="info">Loading…</Notice>}>
          {route.page === "home" && <HomePage api={api} />}
          {route.page === "result" && <ResultPage api={api} id={route.id} />}
          {route.page === "profile" && <ProfilePage api={api} config={config} />}
        </Suspense>
      </main>
    </>
  );
}
