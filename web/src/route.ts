// Hash routes: #/ (analyse and jobs), #/jobs/ID (a result), #/profile.
import { useEffect, useState } from "react";

export type Route = { page: "home" } | { page: "result"; id: number } | { page: "profile" };

/** The route a location hash names. */
export function parseRoute(hash: string): Route {
  const m = /^#\/jobs\/(\d+)$/.exec(hash);
  if (m) return { page: "result", id: Number(m[1]) };
  if (hash === "#/profile") return { page: "profile" };
  return { page: "home" };
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
