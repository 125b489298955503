// The top bar: the app's name, the pages, who is signed in, sign out.
import type { Route } from "../route";
import type { Session } from "../session";

export function Header({
  session,
  route,
  onSignOut,
}: {
  session: Session;
  route: Route;
  onSignOut: () => void;
}) {
  const current = (page: Route["page"]) => (route.page === page ? "page" : undefined);
  return (
    <header className="topbar">
      <a className="brand" href="#/">
        sesami
      </a>
      <nav aria-label="Pages">
        <a href="#/" aria-current={current("home")}>
          Analyse
        </a>
        <a href="#/profile" aria-current={current("profile")}>
          Profile
        </a>
      </nav>
      <span className="who">
        Signed in as <strong>{session.login}</strong>
      </span>
      <button type="button" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
