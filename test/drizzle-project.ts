import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files of a user's drizzle-kit project in `dir`: package.json, drizzle.config.ts (out: ./drizzle), schema.ts, a .gitignore for node_modules. */
export function writeDrizzleProject(dir: string, schema: string): void {
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  writeFileSync(
    join(dir, 'drizzle.config.ts'),
    "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle' });\n",
  );
  writeFileSync(join(dir, 'schema.ts'), schema);
}
