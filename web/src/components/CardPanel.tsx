// The card as others see it, and the Markdown snippet that embeds it.
import { useState } from "react";
import { cardUrl, type Config } from "../config";

export function CardPanel({
  config,
  login,
  isPublic,
}: {
  config: Config;
  login: string;
  isPublic: boolean;
}) {
  const [copied, setCopied] = useState("");
  if (!isPublic)
    return (
      <p className="muted">
        Your card is private. Turn the switch on to show it on your GitHub profile or anywhere
        Markdown goes.
      </p>
    );
  const src = cardUrl(config, login);
  const snippet = `![sesami](${src})`;
  const copy = () =>
    navigator.clipboard.writeText(snippet).then(
      () => setCopied("Copied."),
      () => setCopied("Select the text and copy it."),
    );
  return (
    <div className="card-panel">
      <img className="card" src={src} alt={`sesami card for ${login}`} />
      <label htmlFor="card-markdown">Markdown for your card</label>
      <div className="field-row">
        <input
          id="card-markdown"
          type="text"
          readOnly
          value={snippet}
          onFocus={(e) => e.target.select()}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p className="muted" role="status">
        {copied || "A dark card: add &theme=dark to the address."}
      </p>
    </div>
  );
}
