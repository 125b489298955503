// A message box: an error (announced at once) or information.
import type { ReactNode } from "react";

export function Notice({ kind, children }: { kind: "error" | "info"; children: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}
