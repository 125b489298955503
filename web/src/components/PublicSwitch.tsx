// The opt-in switch that makes the person's card public (set_profile_public).
import { useState } from "react";
import { ApiFailure, call, type Api } from "../api";
import { ApiError } from "./ApiError";

export function PublicSwitch({
  api,
  on,
  onChange,
}: {
  api: Api;
  on: boolean;
  onChange: (on: boolean) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);

  const toggle = async (want: boolean) => {
    setBusy(true);
    try {
      const now = await call<boolean>(api.rpc("set_profile_public", { public: want }));
      setFailure(null);
      onChange(now);
    } catch (e) {
      setFailure(e instanceof ApiFailure ? e : new ApiFailure(0, {}));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="switch-row">
      <input
        id="public-card"
        type="checkbox"
        role="switch"
        checked={on}
        disabled={busy}
        onChange={(e) => void toggle(e.target.checked)}
      />
      <label htmlFor="public-card">Show my card publicly</label>
      {failure && <ApiError failure={failure} />}
    </div>
  );
}
