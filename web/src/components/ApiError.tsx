// PostgREST's error as the person reads it: message, details and hint.
import type { ApiFailure } from "../api";

export function ApiError({ failure, id }: { failure: ApiFailure; id?: string }) {
  return (
    <div className="notice notice-error" role="alert" id={id}>
      <p className="error-message">{failure.message}</p>
      {failure.details && <p className="error-details">{failure.details}</p>}
      {failure.hint && <p className="error-hint">{failure.hint}</p>}
    </div>
  );
}
