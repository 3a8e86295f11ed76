import { sql, type Kysely } from 'kysely';

/**
 * The interconnection procedure with TIM keeps its requests, faults and projects as cases whose
 * role is the side this gateway plays, `operator` or `tim`. The role check admits those two; an
 * index serves the access listing of the billing (procedure, type, state).
 * Both statements are catalog changes the migrator runs under its advisory lock, once.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE cases DROP CONSTRAINT cases_role_check,
    ADD CONSTRAINT cases_role_check CHECK (role IN ('recipient', 'donating', 'operator', 'tim'))`.execute(db);
  await sql`CREATE INDEX cases_procedure_type_idx ON cases (procedure, type, state)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX cases_procedure_type_idx`.execute(db);
  await sql`ALTER TABLE cases DROP CONSTRAINT cases_role_check,
    ADD CONSTRAINT cases_role_check CHECK (role IN ('recipient', 'donating'))`.execute(db);
}
