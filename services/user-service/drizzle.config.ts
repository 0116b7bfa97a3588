import { defineConfig } from 'drizzle-kit';

/** `npx drizzle-kit generate` writes a migration for every change of `src/db/schema.ts` into `drizzle/`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
