import type { ApiErrorShape } from '../../../shared/contract';

/** Codes main returns, plus the one the transports add when the link to main is down. */
export type ClientErrorCode = ApiErrorShape['code'] | 'disconnected';

/** A failed request, whichever transport carried it: what failed (`channel`), why (`code`), and how. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ClientErrorCode | (string & {}),
    message: string,
    readonly channel: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A user-facing sentence for any error thrown by a request or an action. */
export function describeError(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  return 'Something went wrong, and the error carried no message.';
}
