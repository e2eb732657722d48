import { z } from 'zod';
import { event, request } from './define';
import { backendInfoSchema, engineStates } from './engine';
import { noInput } from './errors';
import { projectInfoSchema } from './projects';

export const appInfoSchema = z.object({
  version: z.string(),
  /** Which shell the renderer runs in: the Electron window or a browser (headless mode). */
  platform: z.enum(['electron', 'browser']),
  backend: backendInfoSchema.nullable(),
  engineState: z.enum(engineStates),
  project: projectInfoSchema.nullable(),
});

export type AppInfo = z.output<typeof appInfoSchema>;

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;

export const logEntrySchema = z.object({
  level: z.enum(logLevels),
  message: z.string(),
  time: z.iso.datetime(),
});

export type LogEntry = z.output<typeof logEntrySchema>;

export const appRequests = {
  'app:info': request(noInput, appInfoSchema, 'Version, platform, compute backend and open project.'),
  'dialog:pickDirectory': request(
    z.strictObject({ title: z.string().max(200).optional(), defaultPath: z.string().optional() }).optional(),
    z.object({ path: z.string().nullable() }),
    'Ask the user for a folder with the native dialog (Electron only; path is null when dismissed). ' +
      'In the browser it fails with not-available and the renderer asks for a typed path.',
  ),
};

export const appEvents = {
  log: event(logEntrySchema, 'A log line from main or the engine.'),
  'app:menu': event(
    z.object({ action: z.string().min(1) }),
    'An application-menu item was chosen (Electron): run the renderer action with this id.',
  ),
};
