/**
 * Deletes in bounded batches until a batch comes back short or `maxBatches` ran: a sweep on the
 * tick never holds locks on more than `batch` rows at a time, and never runs unbounded. Returns how
 * many rows went.
 */
export async function deleteInBatches(deleteBatch: (limit: number) => Promise<number>, batch = 1000, maxBatches = 10): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await deleteBatch(batch);
    total += n;
    if (n < batch) break;
  }
  return total;
}
