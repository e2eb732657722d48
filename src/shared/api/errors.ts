import { z } from 'zod';

/**
 * Why a request failed, as every transport reports it:
 * - invalid-payload: the input did not match the channel's schema (nothing was changed);
 * - not-found / forbidden: a path or id the request named does not exist / is outside the
 *   open project;
 * - not-available: the channel exists but not on this platform (e.g. a native dialog in
 *   the browser);
 * - cancelled: a job was cancelled; failed: anything else, with a message for the user;
 * - unknown-channel: no such channel in the contract.
 */
export const apiErrorCodes = [
  'invalid-payload',
  'not-found',
  'forbidden',
  'not-available',
  'failed',
  'cancelled',
  'unknown-channel',
] as const;

export type ApiErrorCode = (typeof apiErrorCodes)[number];

export const apiErrorSchema = z.object({
  code: z.enum(apiErrorCodes),
  message: z.string(),
  details: z.unknown().optional(),
});

/** The error shape every transport returns for a failed request. */
export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  details?: unknown;
}

/** Requests that take no input accept nothing or an empty object. */
export const noInput = z.strictObject({}).optional();
