/**
 * A new message's id: a UUID (RFC 9562) of version 7, whose first 48 bits are the time of creation
 * in milliseconds. Ids in creation order land at the right edge of `messages`' primary key, whose
 * pages are then left ~90 % full; random (version 4) ids split pages in halves all over the index
 * and kept it ~67 % full (~56 bytes more per case). The rest is random, as before: an id still
 * cannot be guessed, only the millisecond it was made in read off it — which the message's own
 * timestamps say anyway. Within one millisecond the library keeps them increasing.
 */
import { v7 } from 'uuid';

export const newMessageId = (): string => v7();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `s` can be a stored message id (a UUID as PostgreSQL prints it): the store answers "no such message" for anything else rather than ask the database. */
export const isMessageId = (s: string): boolean => UUID.test(s);
