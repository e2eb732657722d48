import type { z } from 'zod';
import {
  events,
  isRequestName,
  requests,
  type EventName,
  type EventPayload,
  type RequestName,
  type RequestOutput,
  type Requests,
} from '../../shared/contract';
import type { ApiResult } from '../../shared/transport';
import { toApiErrorShape } from './api-error';

/** Who sent a request: which transport, and an id for the window/socket. */
export interface RequestContext {
  transport: 'ipc' | 'ws' | 'internal';
  clientId?: string;
}

export type Handler<N extends RequestName> = (
  input: z.output<Requests[N]['input']>,
  context: RequestContext,
) => RequestOutput<N> | Promise<RequestOutput<N>>;

/** One handler per channel of the contract: a channel without one does not compile. */
export type Handlers = { [N in RequestName]: Handler<N> };

export type EventListener = (name: EventName, payload: unknown) => void;

export interface ApiHost {
  /**
   * Validate `rawInput` with the channel's schema, run its handler and return the outcome
   * as a value. Never throws: a malformed payload gets `invalid-payload` (with zod's issue
   * paths) and the handler does not run; an unknown channel gets `unknown-channel`.
   */
  dispatch(name: string, rawInput: unknown, context: RequestContext): Promise<ApiResult>;
  /** Send an event to every connected window and socket. */
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void;
  /** Transports subscribe here to forward events; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
}

export function createApiHost(handlers: Handlers): ApiHost {
  const listeners = new Set<EventListener>();

  return {
    async dispatch(name, rawInput, context) {
      if (typeof name !== 'string' || !isRequestName(name)) {
        return {
          ok: false,
          error: { code: 'unknown-channel', message: `Unknown API channel ${JSON.stringify(name)}` },
        };
      }
      const parsed = requests[name].input.safeParse(rawInput);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => ({
          path: issue.path.map(String).join('.'),
          message: issue.message,
        }));
        const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
        return {
          ok: false,
          error: { code: 'invalid-payload', message: `Invalid input for ${name}: ${summary}`, details: { issues } },
        };
      }
      try {
        const handler = handlers[name] as Handler<RequestName>;
        const value = await handler(parsed.data as never, context);
        return { ok: true, value };
      } catch (err) {
        return { ok: false, error: toApiErrorShape(err) };
      }
    },

    emit(name, payload) {
      // Events are checked against the contract too: a malformed one is a bug in main, and
      // it must surface here rather than as a puzzle in the renderer.
      const checked = events[name].payload.safeParse(payload);
      if (!checked.success) {
        throw new Error(`Event ${name} does not match the contract: ${checked.error.message}`);
      }
      for (const listener of listeners) listener(name, checked.data);
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
