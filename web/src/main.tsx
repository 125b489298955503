// Entry point: read config.json, then render the app.
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadConfig } from "./config";
import "./styles.css";

const root = document.getElementById("root")!;
loadConfig().then(
  (config) => createRoot(root).render(<App config={config} />),
  (e: unknown) => {
    const p = document.createElement("p");
    p.className = "notice notice-error";
    p.setAttribute("role", "alert");
    p.textContent = `sesami could not start: ${e instanceof Error ? e.message : String(e)}`;
    root.replaceChildren(p);
  },
);
