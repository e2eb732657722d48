import type { z } from 'zod';

/**
 * One request/response channel of the API contract. `input` validates what the renderer
 * sends (main rejects anything else before a handler runs); `output` types the reply.
 */
export interface RequestDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  /** One line for readers of the contract and for error messages. */
  readonly doc: string;
}

/** One event stream from main to the renderer (progress, logs, status). */
export interface EventDef<P extends z.ZodType = z.ZodType> {
  readonly payload: P;
  readonly doc: string;
}

export const request = <I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  doc: string,
): RequestDef<I, O> => ({ input, output, doc });

export const event = <P extends z.ZodType>(payload: P, doc: string): EventDef<P> => ({ payload, doc });
