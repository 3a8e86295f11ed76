/**
 * The database schema as kysely sees it. `migrations/` is the source of truth for the DDL;
 * this file must describe the same tables (test/integration/store.test.ts compares them).
 *
 * Value types as they come back from BOTH backends (src/store/connect.ts configures the drivers
 * so that PostgreSQL and PGlite agree):
 * - bigint / bigserial (int8) → JS `number` (ids and counters stay far below 2^53; a larger
 *   value makes the query fail loudly instead of losing precision);
 * - timestamptz → JS `Date`; domain dates are stored as `text` (YYYY-MM-DD), never `date`;
 * - jsonb → the parsed value; it is WRITTEN as JSON text made by `toJson()` (node-postgres would
 *   turn a JS array into a PostgreSQL array literal, so objects are never passed raw);
 * - xid8 (`events.tx`) → decimal string.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** JSON text that remembers what it encodes, so inserts stay type-checked. */
export type JsonText<T> = string & { readonly __jsonOf?: T };

/** Encodes a value for a jsonb column; identical on PostgreSQL and PGlite. */
export function toJson<T>(value: T): JsonText<T> {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('toJson: value is not representable as JSON');
  return text as JsonText<T>;
}

/** jsonb (or json) NOT NULL: read as T, written as JSON text. */
export type Jsonb<T = JsonValue> = ColumnType<T, JsonText<T>, JsonText<T>>;
/** jsonb NULL. */
export type NullableJsonb<T = JsonValue> = ColumnType<T | null, JsonText<T> | null | undefined, JsonText<T> | null>;
/** jsonb NOT NULL with a database default. */
export type DefaultedJsonb<T = JsonValue> = ColumnType<T, JsonText<T> | undefined, JsonText<T>>;

/** timestamptz NOT NULL without default. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** timestamptz NOT NULL DEFAULT now(). */
export type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** timestamptz NULL. */
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** bigserial / serial primary keys: assigned by the database, never written. */
export type Serial = ColumnType<number, never, never>;

/** WBCI and AGCOM: recipient / donating; interconnection with TIM: the side this gateway plays */
export type CaseRole = 'recipient' | 'donating' | 'operator' | 'tim';
export type MessageDirection = 'in' | 'out';
export type OutboxKind = 'peer' | 'wholesale';
/** `set_aside` (0023): a dead letter an operator closed without sending it again */
export type OutboxStatus = 'pending' | 'delivered' | 'dead' | 'set_aside';

export interface CasesTable {
  /** VA-ID (WBCI) or order code (AGCOM). */
  id: string;
  procedure: string;
  type: string;
  role: CaseRole;
  peer: string;
  state: string;
  /** YYYY-MM-DD */
  requested_date: string | null;
  /** YYYY-MM-DD */
  switch_date: string | null;
  /** json since 0025, as are `data`, `deadlines` and `wholesale_order`: the text as written, read as a value */
  open_change: NullableJsonb;
  /** The procedure's case state, but for the keys in `data_z` (src/store/case-data.ts). */
  data: Jsonb;
  /** added by 0018: the keys of a WBCI case's `data` SQL never searches (the VA, the answer, …), compressed */
  data_z: Uint8Array | null;
  /** the wire_dictionaries row `data_z` was compressed against (null: none) */
  data_dict: number | null;
  /** Defaults to []. */
  deadlines: DefaultedJsonb;
  next_due_at: NullableTimestamp;
  overdue: Generated<boolean>;
  wholesale_order: NullableJsonb;
  /** Optimistic-locking counter, starts at 1. */
  version: Generated<number>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  /** added by 0020: the state history, entries `[from, to, note, at]` joined by commas (src/store/case-history.ts); null: none yet */
  history: string | null;
}

export interface MessagesTable {
  seq: Serial;
  message_id: string;
  case_id: string;
  type: string;
  direction: MessageDirection;
  peer: string;
  business_id: string | null;
  status: string;
  /** null since 0016: `body_z` holds it (src/store/body-codec.ts); rows written before keep it here */
  body: NullableJsonb;
  raw: string | null;
  raw_format: string | null;
  /** uuid since 0028: the first 128 bits of the key's SHA-256 (src/store/dedupe-keys.ts) */
  dedupe_key: string | null;
  created_at: DefaultedTimestamp;
  delivered_at: NullableTimestamp;
  /** WS-Security verification result of a signed inbound message */
  signature: NullableJsonb;
  /** added by 0009: the wire form compressed (src/store/wire-codec.ts); `raw` is null then */
  raw_z: Uint8Array | null;
  /** the wire_dictionaries row `raw_z` was compressed against (null: none) */
  raw_dict: number | null;
  /** added by 0012: the message_signers row of the verification result (`signature` is null then) */
  signer: number | null;
  /** added by 0016: the parsed body compressed (src/store/body-codec.ts); `body` is null then */
  body_z: Uint8Array | null;
  /** the wire_dictionaries row `body_z` was compressed against (null: none) */
  body_dict: number | null;
  /** added by 0021: how the body is read back from the wire form (src/store/wire-bodies.ts); `body`, `body_z` are null then */
  body_from: number | null;
}

/** added by 0009: immutable zlib dictionaries of the compressed wire forms */
export interface WireDictionariesTable {
  id: number;
  dict: Uint8Array;
  created_at: DefaultedTimestamp;
}

/** added by 0012: immutable WS-Security verification results, referenced by messages.signer */
export interface MessageSignersTable {
  id: number;
  detail: Jsonb;
  created_at: DefaultedTimestamp;
}

export interface OutboxTable {
  id: Serial;
  message_id: string;
  case_id: string;
  kind: OutboxKind;
  destination: string;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: DefaultedTimestamp;
  lease_owner: string | null;
  lease_until: NullableTimestamp;
  last_error: string | null;
  created_at: DefaultedTimestamp;
  delivered_at: NullableTimestamp;
}

export interface DeadLettersTable {
  id: Serial;
  /** null for kind `webhook` */
  outbox_id: number | null;
  message_id: string | null;
  /** null for a webhook event without a case */
  case_id: string | null;
  destination: string;
  reason: string;
  attempts: number;
  created_at: DefaultedTimestamp;
  replayed_at: NullableTimestamp;
  /** added by 0004_webhook_dead_letters: `outbox` or `webhook` */
  kind: Generated<'outbox' | 'webhook'>;
  /** webhook name, feed event id (cursor) and type, for kind `webhook` */
  webhook: string | null;
  event_id: string | null;
  event_type: string | null;
  /** a replayed webhook dead letter the dispatcher has carried out */
  redelivered_at: NullableTimestamp;
  /** added by 0023: closed by an operator without being sent again, and why */
  set_aside_at: NullableTimestamp;
  set_aside_note: string | null;
}

export interface EventsTable {
  seq: Serial;
  /** xid8 of the writing transaction, always the default pg_current_xact_id(). */
  tx: ColumnType<string, never, never>;
  /** null on a row of grouped events (0019: `n` set) */
  type: string | null;
  case_id: string | null;
  /** null on a row of grouped events */
  data: NullableJsonb;
  at: DefaultedTimestamp;
  /** added by 0019: how many events the row holds (their seqs are seq … seq + n - 1); null on a row of one event written before */
  n: number | null;
  /** their types and payloads, compressed (src/store/event-groups.ts) */
  data_z: Uint8Array | null;
  /** the wire_dictionaries row `data_z` was compressed against (null: none) */
  data_dict: number | null;
}

export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  /** method and path the key was used on (0011) */
  scope: ColumnType<string, string | undefined, string>;
  request_hash: string;
  /** `in_flight` while the first request runs, then `done` */
  state: ColumnType<string, string | undefined, string>;
  status_code: number;
  /** the stored answer's headers (Location, ETag, Content-Type) */
  response: NullableJsonb;
  /** the stored answer's body, as sent */
  body: string | null;
  locked_until: NullableTimestamp;
  /** the claiming process (`switchgate:<owner>` is its connections' application name) */
  owner: string | null;
  created_at: DefaultedTimestamp;
}

export interface IdSequencesTable {
  name: string;
  value: number;
}

export interface WebhookCursorsTable {
  name: string;
  /** xid8 as decimal text. */
  last_tx: string;
  last_seq: number;
  updated_at: DefaultedTimestamp;
  /** added by 0003_webhook_leases */
  lease_owner: string | null;
  lease_until: NullableTimestamp;
}

/** added by 0004_ops_observability: one row per failed delivery attempt, kept a day */
export interface DeliveryFailuresTable {
  id: Serial;
  destination: string;
  reason: string;
  at: DefaultedTimestamp;
}

/** added by 0010_console_sessions: console sessions ended by logout, kept until they would have expired */
export interface ConsoleRevokedSessionsTable {
  session_id: string;
  expires_at: Timestamp;
  revoked_at: DefaultedTimestamp;
}

export interface Database {
  cases: CasesTable;
  messages: MessagesTable;
  outbox: OutboxTable;
  dead_letters: DeadLettersTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  id_sequences: IdSequencesTable;
  webhook_cursors: WebhookCursorsTable;
  delivery_failures: DeliveryFailuresTable;
  console_revoked_sessions: ConsoleRevokedSessionsTable;
  wire_dictionaries: WireDictionariesTable;
  message_signers: MessageSignersTable;
}

/** a cases row as stored: keys of `data` may be in `data_z` */
export type StoredCaseRow = Selectable<CasesTable>;
/** a cases row as the repositories return it: `data` whole (src/store/case-data.ts); the history is read apart (`caseHistory`) */
export type CaseRow = Omit<StoredCaseRow, 'data_z' | 'data_dict' | 'history'>;
export type NewCase = Insertable<CasesTable>;
export type CaseUpdate = Updateable<CasesTable>;
/** a messages row as stored: the body may be in `body_z` */
export type StoredMessageRow = Selectable<MessagesTable>;
/** a messages row as the repositories return it: `body` restored */
export type MessageRow = Omit<StoredMessageRow, 'body'> & { body: JsonValue };
export type NewMessage = Insertable<MessagesTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type NewOutbox = Insertable<OutboxTable>;
export type OutboxUpdate = Updateable<OutboxTable>;
export type DeadLetterRow = Selectable<DeadLettersTable>;
export type NewDeadLetter = Insertable<DeadLettersTable>;
export type EventRow = Selectable<EventsTable>;
export type NewEvent = Insertable<EventsTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;
export type WebhookCursorRow = Selectable<WebhookCursorsTable>;

/** Every table the migrations create, in creation order. */
export const TABLES = [
  'cases',
  'messages',
  'outbox',
  'dead_letters',
  'events',
  'idempotency_keys',
  'id_sequences',
  'webhook_cursors',
  'delivery_failures',
  'console_revoked_sessions',
  'wire_dictionaries',
  'message_signers',
] as const satisfies readonly (keyof Database)[];
