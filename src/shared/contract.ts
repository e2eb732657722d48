/**
 * The API contract between the renderer and the main process: every request channel and
 * every event stream, one schema each. The preload (Electron IPC) and the headless
 * WebSocket transport both implement exactly this, and main validates every payload
 * against it before a handler runs.
 *
 * Each area declares its channels in src/shared/api/<area>.ts; this file only merges them.
 */
import type { z } from 'zod';
import type { EventDef, RequestDef } from './api/define';
import { appEvents, appRequests } from './api/app';
import { datasetEvents, datasetRequests } from './api/dataset';
import { demoRequests } from './api/demo';
import { engineEvents, engineRequests } from './api/engine';
import { projectEvents, projectRequests } from './api/projects';
import { trainEvents, trainRequests } from './api/train';
import { translateRequests } from './api/translate';

export const requests = {
  ...appRequests,
  ...projectRequests,
  ...engineRequests,
  ...datasetRequests,
  ...translateRequests,
  ...trainRequests,
  ...demoRequests,
} satisfies Record<string, RequestDef>;

export const events = {
  ...appEvents,
  ...projectEvents,
  ...engineEvents,
  ...datasetEvents,
  ...trainEvents,
} satisfies Record<string, EventDef>;

export type Requests = typeof requests;
export type Events = typeof events;
export type RequestName = keyof Requests;
export type EventName = keyof Events;
export type RequestInput<N extends RequestName> = z.input<Requests[N]['input']>;
export type RequestOutput<N extends RequestName> = z.output<Requests[N]['output']>;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

/** What the renderer sees, whichever transport carries it. */
export interface AtelierApi {
  invoke<N extends RequestName>(name: N, input: RequestInput<N>): Promise<RequestOutput<N>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export type { ApiErrorShape, ApiErrorCode } from './api/errors';
export { apiErrorCodes, apiErrorSchema } from './api/errors';

export const isRequestName = (name: string): name is RequestName => Object.hasOwn(requests, name);
export const isEventName = (name: string): name is EventName => Object.hasOwn(events, name);
