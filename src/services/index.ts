import { createApiKeysService, type ApiKeysService } from './api-keys.service.js';
import type { ServiceDeps } from './deps.js';
import { createHealthService, type HealthService } from './health.service.js';
import { createImagesService, type ImagesService } from './images.service.js';
import { createImportService, type ImportService } from './import.service.js';
import { createJobsService, type JobsService } from './jobs.service.js';
import { createModelsService, type ModelsService } from './models.service.js';
import { createSearchService, type SearchService } from './search.service.js';
import { createTrainingService, type TrainingService } from './training.service.js';
import { createUsersService, type UsersService } from './users.service.js';

export type { ServiceDeps, RepositoriesFactory, DecodeImage, Clock } from './deps.js';
export type { ApiKeysService, HealthService, ImagesService, ImportService, JobsService, ModelsService, SearchService, TrainingService, UsersService };

/** Every use case of the API; resolvers and the HTTP server call only these. */
export interface Services {
  users: UsersService;
  images: ImagesService;
  models: ModelsService;
  search: SearchService;
  training: TrainingService;
  jobs: JobsService;
  import: ImportService;
  health: HealthService;
  apiKeys: ApiKeysService;
}

export function createServices(deps: ServiceDeps): Services {
  const jobs = createJobsService(deps);
  const models = createModelsService(deps, jobs);
  return {
    users: createUsersService(deps),
    images: createImagesService(deps, models),
    models,
    search: createSearchService(deps, models),
    training: createTrainingService(deps, jobs),
    jobs,
    import: createImportService(deps),
    health: createHealthService(deps),
    apiKeys: createApiKeysService(deps),
  };
}
