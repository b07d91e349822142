/** The in-memory store with `ids` distinct delivery ids, measured in a fresh process. */
export interface InMemoryDedupeResult {
  readonly ids: number;
  readonly maxEntries: number;
  /** Claims per second, synchronous `claimSync` and awaited `claim`, on distinct keys. */
  readonly claimSyncPerSecond: number;
  readonly claimPerSecond: number;
  /** Growth of resident memory and of V8's heap plus typed-array memory, after GC. */
  readonly rssMegabytes: number;
  readonly heapAndBuffersMegabytes: number;
  /** After as many ids again (twice the limit): the size stays at the limit, memory flat. */
  readonly afterTwiceLimit: {
    readonly size: number;
    readonly rssMegabytes: number;
    /** The first id is evicted (claims again); the last is still remembered. */
    readonly oldestEvicted: boolean;
    readonly newestKept: boolean;
  };
}

/** Claims against `RedisIdempotencyStore`, or why they were not measured. */
export type RedisDedupeResult =
  | {
      readonly skipped: false;
      readonly server: string;
      readonly claims: number;
      /** One claim at a time: bound by the round trip. */
      readonly sequentialClaimsPerSecond: number;
      /** `concurrency` claims in flight, as under concurrent requests. */
      readonly concurrentClaimsPerSecond: number;
      readonly concurrency: number;
    }
  | { readonly skipped: true; readonly reason: string };

export interface DedupeResult {
  readonly inMemory: InMemoryDedupeResult;
  readonly redis: RedisDedupeResult;
}
