export type { MigrateOptions } from './migrate.js';
export { MigrationError, migratePostgres } from './migrate.js';
