/**
 * The new-run form as data: which options it shows, in which groups, the presets (each
 * model's defaults, as the reference's `modify_commandline_options` sets them), what the
 * user typed, and the problems with it — explained while typing, before any request.
 * No React here; the form component renders this.
 */
import { architectureIssues, fixedInputSize, optionWarnings } from '../../../../shared/api/train-checks';
import type { ValidationIssue } from '../../../../shared/api/train';
import {
  defaultsFor,
  trainOptionFields,
  trainOptionsSchema,
  type TrainOptionName,
  type TrainOptions,
  type TrainOptionsInput,
} from '../../../../shared/train-options';

export type ModelName = TrainOptions['model'];

type FieldKind = 'int' | 'float' | 'bool' | 'enum' | 'text' | 'path';

export interface FieldSpec {
  name: TrainOptionName;
  label: string;
  kind: FieldKind;
  /** Choices of an enum field; netG offers the reference's names but takes any valid one. */
  choices?: readonly string[];
  /** Shown only for this model. */
  model?: ModelName;
  /** May be left empty (seed: random; max_dataset_size: all). */
  optional?: boolean;
  /** Step of a number input. */
  step?: number;
}

export interface FieldGroup {
  title: string;
  /** Collapsed unless the user opens it (or it holds a problem). */
  advanced?: boolean;
  fields: FieldSpec[];
}

const enumChoices = (name: TrainOptionName): readonly string[] => {
  const schema = trainOptionFields[name] as unknown as { options?: readonly string[] };
  return schema.options ?? [];
};

export const GENERATORS = ['unet_256', 'unet_128', 'unet_64', 'unet_32', 'resnet_9blocks', 'resnet_6blocks'] as const;

export const FIELD_GROUPS: readonly FieldGroup[] = [
  {
    title: 'Run',
    fields: [
      { name: 'name', label: 'Run name', kind: 'text' },
      { name: 'dataroot', label: 'Images folder', kind: 'path' },
      { name: 'dataset_mode', label: 'Dataset layout', kind: 'enum', choices: enumChoices('dataset_mode') },
      { name: 'direction', label: 'Direction', kind: 'enum', choices: enumChoices('direction') },
    ],
  },
  {
    title: 'Images',
    fields: [
      { name: 'preprocess', label: 'Preprocess', kind: 'enum', choices: enumChoices('preprocess') },
      { name: 'load_size', label: 'Load size', kind: 'int' },
      { name: 'crop_size', label: 'Crop size', kind: 'int' },
      { name: 'no_flip', label: 'No flipping', kind: 'bool' },
      { name: 'input_nc', label: 'Input channels', kind: 'int' },
      { name: 'output_nc', label: 'Output channels', kind: 'int' },
    ],
  },
  {
    title: 'Networks',
    fields: [
      { name: 'netG', label: 'Generator', kind: 'enum', choices: GENERATORS },
      { name: 'ngf', label: 'Generator filters (ngf)', kind: 'int' },
      { name: 'netD', label: 'Discriminator', kind: 'enum', choices: enumChoices('netD') },
      { name: 'n_layers_D', label: 'Discriminator layers', kind: 'int' },
      { name: 'ndf', label: 'Discriminator filters (ndf)', kind: 'int' },
      { name: 'norm', label: 'Normalisation', kind: 'enum', choices: enumChoices('norm') },
      { name: 'no_dropout', label: 'No dropout', kind: 'bool' },
    ],
  },
  {
    title: 'Objective',
    fields: [
      { name: 'gan_mode', label: 'GAN loss', kind: 'enum', choices: enumChoices('gan_mode') },
      { name: 'lambda_L1', label: 'λ L1', kind: 'float', model: 'pix2pix', step: 1 },
      { name: 'lambda_A', label: 'λ cycle A', kind: 'float', model: 'cycle_gan', step: 1 },
      { name: 'lambda_B', label: 'λ cycle B', kind: 'float', model: 'cycle_gan', step: 1 },
      { name: 'lambda_identity', label: 'λ identity', kind: 'float', model: 'cycle_gan', step: 0.1 },
      { name: 'pool_size', label: 'Image pool', kind: 'int', model: 'cycle_gan' },
    ],
  },
  {
    title: 'Schedule',
    fields: [
      { name: 'n_epochs', label: 'Epochs at initial rate', kind: 'int' },
      { name: 'n_epochs_decay', label: 'Epochs of decay', kind: 'int' },
      { name: 'batch_size', label: 'Batch size', kind: 'int' },
      { name: 'lr', label: 'Learning rate', kind: 'float', step: 0.0001 },
      { name: 'lr_policy', label: 'Rate policy', kind: 'enum', choices: enumChoices('lr_policy') },
      { name: 'lr_decay_iters', label: 'Step policy: epochs per ×0.1', kind: 'int' },
      { name: 'beta1', label: 'Adam β1', kind: 'float', step: 0.1 },
      { name: 'seed', label: 'Seed', kind: 'int', optional: true },
    ],
  },
  {
    title: 'Saving and previews',
    fields: [
      { name: 'save_epoch_freq', label: 'Checkpoint every (epochs)', kind: 'int' },
      { name: 'save_latest_freq', label: 'Latest every (images)', kind: 'int' },
      { name: 'preview_freq', label: 'Preview every (images)', kind: 'int' },
      { name: 'print_freq', label: 'Log every (images)', kind: 'int' },
    ],
  },
  {
    title: 'More',
    advanced: true,
    fields: [
      { name: 'phase', label: 'Split folder', kind: 'text' },
      { name: 'max_dataset_size', label: 'Max images', kind: 'int', optional: true },
      { name: 'serial_batches', label: 'Serial batches', kind: 'bool' },
      { name: 'init_type', label: 'Initialisation', kind: 'enum', choices: enumChoices('init_type') },
      { name: 'init_gain', label: 'Init gain', kind: 'float', step: 0.01 },
      { name: 'save_by_iter', label: 'Keep iteration checkpoints', kind: 'bool' },
    ],
  },
];

export const ALL_FIELDS: readonly FieldSpec[] = FIELD_GROUPS.flatMap((g) => g.fields);

/** Options that describe the run and its data rather than the model: a preset leaves them. */
const KEPT_ON_PRESET: ReadonlySet<TrainOptionName> = new Set<TrainOptionName>([
  'name',
  'dataroot',
  'direction',
  'phase',
  'load_size',
  'crop_size',
  'preprocess',
  'no_flip',
  'input_nc',
  'output_nc',
  'batch_size',
  'n_epochs',
  'n_epochs_decay',
  'seed',
  'max_dataset_size',
  'save_epoch_freq',
  'save_latest_freq',
  'preview_freq',
  'print_freq',
]);

/** What each field's input holds: text as typed (numbers parsed on the way out), booleans as such. */
export type FormValues = Partial<Record<TrainOptionName, string | boolean>>;

export interface FormState {
  model: ModelName;
  values: FormValues;
}

function display(value: unknown): string | boolean {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return '';
  return String(value);
}

/** The form filled with `model`'s defaults (the reference's), plus the run's name and images. */
export function presetForm(model: ModelName, keep: FormValues = {}): FormState {
  const defaults: Record<string, unknown> = defaultsFor(model);
  const values: FormValues = {};
  for (const field of ALL_FIELDS) {
    if (field.name === 'model') continue;
    if (KEPT_ON_PRESET.has(field.name) && keep[field.name] !== undefined) values[field.name] = keep[field.name];
    // The run's name and images are the user's to give; the reference's placeholder name is no help.
    else values[field.name] = field.name === 'name' ? '' : display(defaults[field.name]);
  }
  return { model, values };
}

/** The form for given options: the model's preset, then every option given. */
export function formFromOptions(options: TrainOptionsInput): FormState {
  const form = presetForm(options.model ?? 'pix2pix');
  for (const field of ALL_FIELDS) {
    const v = (options as Record<string, unknown>)[field.name];
    if (v !== undefined) form.values[field.name] = display(v);
  }
  return form;
}

/** Switch to another model's preset, keeping the run, data and schedule fields. */
export function applyPreset(form: FormState, model: ModelName): FormState {
  return presetForm(model, form.values);
}

export function setField(form: FormState, name: TrainOptionName, value: string | boolean): FormState {
  return { ...form, values: { ...form.values, [name]: value } };
}

export const visibleFields = (group: FieldGroup, model: ModelName): FieldSpec[] => group.fields.filter((f) => !f.model || f.model === model);

/**
 * The options to send: every shown field, numbers parsed. Text that is not a number is
 * kept as text so that the schema names the field in its message.
 */
export function formToOptions(form: FormState): TrainOptionsInput {
  const out: Record<string, unknown> = { model: form.model };
  for (const field of ALL_FIELDS) {
    if (field.model && field.model !== form.model) continue;
    const raw = form.values[field.name];
    if (raw === undefined) continue;
    if (field.kind === 'bool') {
      out[field.name] = raw === true;
      continue;
    }
    const text = String(raw).trim();
    if (text === '') {
      if (field.name === 'max_dataset_size') out[field.name] = null;
      else if (!field.optional && field.name !== 'name' && field.name !== 'dataroot') out[field.name] = text;
      continue;
    }
    if (field.kind === 'int' || field.kind === 'float') {
      const n = Number(text);
      out[field.name] = Number.isFinite(n) ? n : text;
    } else out[field.name] = text;
  }
  return out as TrainOptionsInput;
}

/**
 * Problems found without the server: the schema (types, ranges, cross-field rules), the
 * networks' size rules when the options fix the input size, and the warnings. The dataset
 * itself is checked by `train:validate`.
 */
export function checkForm(form: FormState): ValidationIssue[] {
  const options = formToOptions(form);
  const issues: ValidationIssue[] = [];
  if (!options.name) issues.push({ path: 'name', severity: 'error', message: 'give the run a name' });
  else if (/[\\/]/.test(options.name) || options.name.startsWith('.')) {
    issues.push({ path: 'name', severity: 'error', message: 'a run name cannot contain / or \\ or start with a dot' });
  }
  if (!options.dataroot) issues.push({ path: 'dataroot', severity: 'error', message: 'choose the folder of training images' });
  const merged = { ...defaultsFor(form.model), seed: 0, ...options, dataroot: options.dataroot || '.', name: options.name || 'run' };
  const parsed = trainOptionsSchema.safeParse(merged);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const path = i.path.length ? i.path.map(String).join('.') : '(options)';
      if (!issues.some((x) => x.path === path)) issues.push({ path, severity: 'error', message: describeIssue(path, i.message, options) });
    }
    return issues;
  }
  const size = fixedInputSize(parsed.data);
  if (size !== null) issues.push(...architectureIssues(parsed.data, size, size));
  issues.push(...optionWarnings(parsed.data));
  return issues;
}

function describeIssue(path: string, message: string, options: TrainOptionsInput): string {
  const given = (options as Record<string, unknown>)[path];
  if (given === '') return 'required';
  if (typeof given === 'string' && /expected number/i.test(message)) return `“${given}” is not a number`;
  return message;
}

/** Issues by field, errors first; a field's server issue replaces the same field's local one. */
export function issuesByField(local: readonly ValidationIssue[], server: readonly ValidationIssue[] = []): Map<string, ValidationIssue[]> {
  const out = new Map<string, ValidationIssue[]>();
  const serverPaths = new Set(server.map((i) => i.path));
  for (const issue of [...local.filter((i) => !serverPaths.has(i.path)), ...server]) {
    const list = out.get(issue.path) ?? [];
    if (!list.some((x) => x.message === issue.message)) list.push(issue);
    out.set(issue.path, list);
  }
  for (const list of out.values()) list.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return out;
}

export const hasErrors = (issues: readonly ValidationIssue[]): boolean => issues.some((i) => i.severity === 'error');

/** A name for a new run that no existing run has: `<model>-<n>`. */
export function suggestName(model: ModelName, existing: readonly string[]): string {
  const base = model === 'pix2pix' ? 'pix2pix' : 'cyclegan';
  for (let n = 1; ; n++) {
    const name = `${base}-${n}`;
    if (!existing.includes(name)) return name;
  }
}
