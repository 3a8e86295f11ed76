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
