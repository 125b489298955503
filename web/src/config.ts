// The runtime configuration: config.json next to index.html, so one build
// serves every environment.

export interface Config {
  /** Base URL of the PostgREST API, without a trailing slash. */
  apiUrl: string;
  /** Client ID of sesami's GitHub OAuth app. */
  githubClientId: string;
  /** GitHub's base URL (GitHub Enterprise Server: its own host). */
  githubUrl: string;
}

/** Fetches and checks config.json. */
export async function loadConfig(): Promise<Config> {
  const res = await fetch(new URL("config.json", document.baseURI), { cache: "no-cache" });
  if (!res.ok) throw new Error(`config.json could not be loaded (HTTP ${res.status}).`);
  const raw = (await res.json()) as Partial<Config>;
  if (typeof raw.apiUrl !== "string" || !raw.apiUrl) throw new Error("config.json has no apiUrl.");
  return {
    apiUrl: raw.apiUrl.replace(/\/+$/, ""),
    githubClientId: typeof raw.githubClientId === "string" ? raw.githubClientId : "",
    githubUrl: (typeof raw.githubUrl === "string" && raw.githubUrl
      ? raw.githubUrl
      : "https://github.com"
    ).replace(/\/+$/, ""),
  };
}

/** The URL of a person's card (GET /rpc/card?login=NAME). */
export function cardUrl(config: Config, login: string, theme?: "light" | "dark"): string {
  const url = new URL(config.apiUrl + "/rpc/card");
  url.searchParams.set("login", login);
  if (theme && theme !== "light") url.searchParams.set("theme", theme);
  return url.toString();
}
