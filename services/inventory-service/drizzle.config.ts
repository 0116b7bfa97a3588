import { defineConfig } from 'drizzle-kit';

/** `npm run db:generate` writes a migration for each schema change into drizzle/ (committed). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
