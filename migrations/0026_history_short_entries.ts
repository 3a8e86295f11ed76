import { sql, type Kysely } from 'kysely';

/**
 * A case's history gains a short entry form, `[note, dt, to]` (src/store/case-history.ts): the
 * gateway writes it from now on; the entries already stored keep the long form `[from, to, note,
 * at]` and read as before. Nothing to do on the way up.
 *
 * Down turns every short entry back into the long form (the `from` is the `to` before it, the time
 * the case's creation plus `dt`), so that the code before knows every entry — and 0020's down can
 * still move the history into its table.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(_db: Kysely<any>): Promise<void> {}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    with entries as (
      select c.id, t.n, t.e, floor(extract(epoch from c.created_at) * 1000)::bigint as created_ms,
             case when jsonb_array_length(t.e) = 4 then t.e -> 1 else t.e -> 2 end as to_state
        from cases c, jsonb_array_elements(('[' || c.history || ']')::jsonb) with ordinality as t(e, n)
       where c.history is not null
    ), long as (
      select id, n,
             case when jsonb_array_length(e) = 4 then e
                  else jsonb_build_array(coalesce(lag(to_state) over (partition by id order by n), 'null'::jsonb), e -> 2, e -> 0, created_ms + (e ->> 1)::bigint)
             end as e
        from entries
    ), texts as (
      select id, string_agg('[' || (e -> 0)::text || ',' || (e -> 1)::text || ',' || (e -> 2)::text || ',' || (e -> 3)::text || ']', ',' order by n) as history
        from long group by id
    )
    update cases c set history = texts.history from texts where c.id = texts.id`.execute(db);
}
