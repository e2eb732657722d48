import type { ApiErrorCode, ApiErrorShape } from '../../shared/api/errors';

/**
 * An error a handler throws to fail a request with a specific code. Anything else a
 * handler throws becomes `failed` with the error's message.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toShape(): ApiErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** The wire shape of any thrown value. */
export function toApiErrorShape(err: unknown): ApiErrorShape {
  if (err instanceof ApiError) return err.toShape();
  if (err instanceof Error) return { code: 'failed', message: err.message };
  return { code: 'failed', message: String(err) };
}
