import { sql, type Kysely } from 'kysely';

/**
 * A message's dedupe key is stored as the `uuid` of the 128 bits of its SHA-256 the gateway has kept
 * since session 8 (src/store/dedupe-keys.ts), instead of those bits as `#` and 22 base64url
 * characters; keys still stored plainly (written before the hashing) are hashed here, so a lookup
 * asks for one form only. The unique index becomes partial: the outbound half of the rows has no key
 * and no longer has an entry. At 20,000 cases the index went from 80 to 59 bytes per case and the
 * rows ~8 bytes shorter (docs/capacity.md, session 17).
 *
 * Nothing is lost: only equality of keys is ever asked, and a key's hash is what a lookup compares
 * since the hashing. The table is rewritten and the index built anew: on a large database a
 * maintenance window, like 0027. Down writes every key in the `#` form the code before this one
 * reads (plain keys stay hashed: that code looks a key up in both forms).
 */
const HASHED = '^#[A-Za-z0-9_-]{22}$';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table messages drop constraint messages_dedupe_key_key`.execute(db);
  await sql`
    alter table messages alter column dedupe_key type uuid using (
      case when dedupe_key ~ ${sql.lit(HASHED)}
           then encode(decode(translate(substr(dedupe_key, 2), '-_', '+/') || '==', 'base64'), 'hex')
           else encode(substr(sha256(convert_to(dedupe_key, 'UTF8')), 1, 16), 'hex') end)::uuid`.execute(db);
  await sql`create unique index messages_dedupe_key_key on messages (dedupe_key) where dedupe_key is not null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index messages_dedupe_key_key`.execute(db);
  await sql`
    alter table messages alter column dedupe_key type text using
      '#' || translate(rtrim(encode(decode(replace(dedupe_key::text, '-', ''), 'hex'), 'base64'), '='), '+/', '-_')`.execute(db);
  await sql`alter table messages add constraint messages_dedupe_key_key unique (dedupe_key)`.execute(db);
}
