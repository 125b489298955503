// The shapes the API returns: GET /jobs rows, api.job_result's
// sesami.analysis/1 document (docs/analysis.md), api.profile().

export type JobStatus = "pending" | "queued" | "processing" | "completed" | "failed" | "cancelled";

export const ACTIVE: readonly JobStatus[] = ["pending", "queued", "processing"];

export interface Job {
  id: number;
  repository: string;
  repo_url: string;
  status: JobStatus;
  progress: number | null;
  stage: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface LanguageShare {
  language: string;
  lines: number;
  share?: number;
}

export interface Author {
  name: string;
  email: string;
  lines: number;
  share: number;
  commits: number;
  is_user?: boolean;
}

export interface Evidence {
  file: string;
  ecosystem?: string;
  match?: string;
}

export interface Technology {
  name: string;
  category?: string;
  evidence: Evidence[];
}

export interface AnalysisResult {
  repo: {
    url?: string;
    full_name?: string;
    head: string;
    branch?: string | null;
    commits: number;
    authors: number;
    files: number;
    lines: number;
  };
  authors: Author[];
  user?: {
    emails: string[];
    lines: number;
    share: number;
    commits: number;
    additions: number;
    deletions: number;
    files: number;
    first_commit: string | null;
    last_commit: string | null;
    by_language?: LanguageShare[];
  };
  languages?: {
    languages: { name: string; bytes: number; percent: number; files: number }[];
  };
  stack?: { technologies: Technology[] };
  stats: { total_ms: number; skipped: { path: string; reason: string }[] };
}

export interface Profile {
  login: string;
  display_name: string | null;
  public: boolean;
  repositories: number;
  lines: number;
  commits: number;
  languages: { language: string; lines: number }[];
  technologies: { name: string; repositories: string[] }[];
  repos: {
    repository: string;
    repo_url: string;
    job_id: number;
    lines: number;
    share: number;
    commits: number;
    analysed_at: string;
  }[];
}
