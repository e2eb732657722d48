/** The `dataset:*` and `labels:*` channels, bound to the dataset and label services. */
import type { datasetRequests } from '../../shared/api/dataset';
import type { Handlers } from './api-host';
import { DatasetService, type DatasetServiceOptions } from './datasets';
import { LabelService } from './labels';

export type DatasetHandlers = Pick<Handlers, keyof typeof datasetRequests>;

export function createDatasetHandlers(options: DatasetServiceOptions): DatasetHandlers {
  const datasets = new DatasetService(options);
  const labels = new LabelService({
    root: () => datasets.root(),
    item: (id) => datasets.item(id),
    palette: () => datasets.palette(),
    labelSaved: (id, state, when) => datasets.labelSaved(id, state, when),
  });
  return {
    'dataset:get': () => datasets.view(),
    'dataset:configure': (input) => datasets.configure(input),
    'dataset:importFiles': ({ paths, ...options }) => datasets.importFiles(paths, options),
    'dataset:importData': ({ files, ...options }) => datasets.importData(files, options),
    'dataset:importFolder': ({ dir, layout, labelSide, ...options }) => datasets.importFolder(dir, layout, labelSide, options),
    'dataset:setState': ({ ids, state }) => datasets.setState(ids, state),
    'dataset:setSplit': ({ ids, split }) => datasets.setSplit(ids, split),
    'dataset:resplit': ({ seed, ratios, keepLocked }) => datasets.resplit(seed, ratios, keepLocked),
    'dataset:remove': ({ ids }) => datasets.remove(ids),
    'dataset:export': (input) => datasets.export(input),
    'labels:palettes': () => datasets.palettes(),
    'labels:savePalette': ({ palette }) => datasets.savePalette(palette),
    'labels:deletePalette': ({ id }) => datasets.deletePalette(id),
    'labels:load': ({ itemId }) => labels.load(itemId),
    'labels:save': (input) => labels.save(input),
  };
}
