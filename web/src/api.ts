// The PostgREST client (postgrest-js) for one session, and the app's view of
// PostgREST's errors (its JSON {code, message, details, hint}).
import { PostgrestClient } from "@supabase/postgrest-js";

/** A failed API call: PostgREST's error, or status 0 when the API could not be reached. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: string;
  readonly hint: string;

  constructor(
    status: number,
    e: { message?: string; code?: string; details?: string; hint?: string },
  ) {
    super(
      status === 0
        ? "The sesami API cannot be reached. Retrying…"
        : e.message || `The API answered HTTP ${status}.`,
    );
    this.status = status;
    this.code = e.code ?? "";
    this.details = status === 0 ? "" : (e.details ?? "");
    this.hint = status === 0 ? "" : (e.hint ?? "");
  }
}

export type Api = PostgrestClient;

/**
 * A client sending `token` (if any); `onUnauthorized` hears of every 401
 * answered to a request that carried a token.
 */
export function makeApi(
  apiUrl: string,
  token: string | null,
  onUnauthorized: (message: string) => void,
): Api {
  const fetchWatching: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (res.status === 401 && token) {
      const body = (await res
        .clone()
        .json()
        .catch(() => ({}))) as { message?: string };
      onUnauthorized(body.message ?? "");
    }
    return res;
  };
  return new PostgrestClient(apiUrl, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    fetch: fetchWatching,
  });
}

interface Answer<T> {
  data: T | null;
  error: { message?: string; code?: string; details?: string; hint?: string } | null;
  status: number;
}

/** Awaits a postgrest-js request: its data, or an ApiFailure. */
export async function call<T>(request: PromiseLike<Answer<unknown>>): Promise<T> {
  const { data, error, status } = await request;
  if (error) throw new ApiFailure(status, error);
  return data as T;
}
