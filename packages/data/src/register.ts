import type { Registries } from '@kiln/core';
import { CsvDataModule } from './csv-data-module';
import { ShapesDataModule } from './shapes/shapes-data-module';
import { WebDatasetDataModule } from './webdataset/webdataset-data-module';

/** Registers the data modules of this package (kind `datasets`). */
export function register(registries: Registries): void {
  registries.datasets.register(CsvDataModule, '@kiln/data');
  registries.datasets.register(ShapesDataModule, '@kiln/data');
  registries.datasets.register(WebDatasetDataModule, '@kiln/data');
}
