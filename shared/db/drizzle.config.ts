// drizzle-kit settings. Regenerate migrations after editing schema.ts, from the repository root:
//   npx drizzle-kit generate --config shared/db/drizzle.config.ts
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './shared/db/schema.ts',
  out: './shared/db/migrations',
});
