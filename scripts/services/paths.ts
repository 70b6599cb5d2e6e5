import path from 'node:path';

/** Project root (scripts/services/ is two levels down). */
export const projectRoot = path.resolve(__dirname, '..', '..');
/** Everything the local services download or write lives here (git-ignored, safe to delete). */
export const servicesHome = process.env.IONFLUX_SERVICES_HOME ?? path.join(projectRoot, '.services');
