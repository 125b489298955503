// The signed-in session: the token from /rpc/login_github, kept in memory and
// in sessionStorage (so a reload survives), plus the OAuth `state` check.

export interface Session {
  token: string;
  expires_at: string;
  account_id: number;
  login: string;
  display_name: string | null;
}

const SESSION_KEY = "sesami.session";
const STATE_KEY = "sesami.oauth_state";

/** The stored session, or null. */
export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return typeof s.token === "string" && typeof s.expires_at === "string" ? s : null;
  } catch {
    return null;
  }
}

/** Keeps (or with null, forgets) the session. */
export function storeSession(s: Session | null): void {
  if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(SESSION_KEY);
}

/** A fresh random `state` for the authorize redirect, remembered for the return. */
export function newOAuthState(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const state = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  sessionStorage.setItem(STATE_KEY, state);
  return state;
}

/** True once if `state` is the one this tab sent; the stored value is used up. */
export function takeOAuthState(state: string): boolean {
  const want = sessionStorage.getItem(STATE_KEY);
  sessionStorage.removeItem(STATE_KEY);
  return want !== null && want.length > 0 && want === state;
}

/** Milliseconds until the session should be refreshed (a minute before expiry). */
export function refreshDelay(s: Session, now = Date.now()): number {
  const left = Date.parse(s.expires_at) - now;
  return Math.max(0, Math.min(left - 60_000, left / 2));
}
