import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import * as schema from './schema';

export type Schema = typeof schema;
/** One typed handle for both engines: PGlite (embedded) and node-postgres. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export const DB = Symbol('DB');

/** The migration folder, shared by both engines (apps/server/drizzle, same depth from src/ and dist/). */
export const MIGRATIONS_DIR = join(__dirname, '../../../drizzle');

export interface DatabaseHandle {
  db: Db;
  engine: 'pglite' | 'postgres';
  /** Raw rows of a parameterised statement (both engines return `{ rows }`). */
  query<T = Record<string, unknown>>(statement: SQL): Promise<T[]>;
  /**
   * A statement with $1…$n placeholders (for SQL built by @axial/dicom's toSql). With a name, PostgreSQL keeps
   * it prepared on each connection (parsed and planned once): for a hot statement whose text never changes.
   */
  raw<T = Record<string, unknown>>(text: string, params: unknown[], name?: string): Promise<T[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(opts: { databaseUrl?: string; dataDir?: string; inMemory?: boolean }): Promise<DatabaseHandle> {
  const log = new Logger('Database');
  if (opts.databaseUrl) {
    const { Pool } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const pool = new Pool({ connectionString: opts.databaseUrl, max: 10 });
    pool.on('error', (err) => log.error(`PostgreSQL pool error: ${err.message}`));
    const db = drizzle(pool, { schema }) as unknown as Db;
    await migrate(drizzle(pool, { schema }), { migrationsFolder: MIGRATIONS_DIR });
    log.log(`PostgreSQL ready (${redactUrl(opts.databaseUrl)})`);
    const raw = async <T>(text: string, params: unknown[], name?: string) => (await pool.query(name ? { name, text, values: params } : { text, values: params })).rows as T[];
    return handle(db, 'postgres', raw, async () => { await pool.end(); });
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const client = opts.inMemory ? await PGlite.create() : await PGlite.create({ dataDir: join(opts.dataDir!, 'db') });
  const raw = drizzle(client, { schema });
  await migrate(raw, { migrationsFolder: MIGRATIONS_DIR });
  log.log(opts.inMemory ? 'Embedded PostgreSQL (PGlite) ready in memory' : `Embedded PostgreSQL (PGlite) ready in ${join(opts.dataDir!, 'db')}`);
  const rawQuery = async <T>(text: string, params: unknown[]) => (await client.query<T>(text, params)).rows;
  return handle(raw as unknown as Db, 'pglite', rawQuery, async () => { await client.close(); });
}

function handle(db: Db, engine: DatabaseHandle['engine'], raw: DatabaseHandle['raw'], close: () => Promise<void>): DatabaseHandle {
  return {
    db,
    engine,
    raw,
    async query<T>(statement: SQL) {
      const res = (await db.execute(statement)) as unknown as { rows: T[] };
      return res.rows;
    },
    async ping() {
      await raw('select 1', []);
    },
    close,
  };
}

/** Never log a password that is part of a connection string. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}
