import type { ErrorBody, ErrorCode } from "../../contract/errors";
import { errorCodes } from "../../contract/errors";

/**
 * The one error type of the Worker. Thrown anywhere; turned into a response in one place
 * (`renderError` via the app's onError), as JSON for APIs and as an HTML page for people.
 */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { fields?: Record<string, string>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = errorCodes[code];
  }
}

export function errorBody(err: ApiError, requestId: string): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message, requestId } };
  if (err.options.fields && Object.keys(err.options.fields).length > 0) body.error.fields = err.options.fields;
  return body;
}

/** Anything thrown that is not an ApiError is an internal error: never leak its text. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError("internal", "Something went wrong on our side. It has been logged; please try again.");
}
