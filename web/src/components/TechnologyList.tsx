// Technologies with their evidence; each evidence file links to GitHub.
import type { Technology } from "../types";

export function TechnologyList({
  technologies,
  fileUrl,
}: {
  technologies: Technology[];
  fileUrl: (path: string) => string;
}) {
  if (technologies.length === 0) return <p>No technology was recognised.</p>;
  return (
    <ul className="technologies">
      {technologies.map((t) => (
        <li key={t.name}>
          <strong>{t.name}</strong>
          {t.category && <span className="muted"> ({t.category})</span>}
          <ul>
            {t.evidence.map((e, i) => (
              <li key={`${e.file}-${i}`}>
                <a href={fileUrl(e.file)} rel="noopener noreferrer" target="_blank">
                  {e.file}
                </a>
                {e.match && <span className="muted"> — {e.match}</span>}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}
