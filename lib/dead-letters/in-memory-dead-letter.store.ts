import type { DeadLetterStore, StoredDeadLetter } from './dead-letter-store.interface.js';

/** Most bytes of JSON kept, whatever `maxEntries` allows: a letter holds a body of up to `maxBodyBytes`. */
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Dead letters in this process, lost when it ends: the default, without a Redis store. Each is
 * kept as its JSON, so nothing a caller does to a letter it was given changes the kept one.
 */
export class InMemoryDeadLetterStore implements DeadLetterStore {
  /** In insertion order, which is id order: ids are made in order in one process. */
  private readonly letters = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly maxEntries: number) {}

  add(added: string, json: string): Promise<number> {
    this.letters.set(added, json);
    this.bytes += json.length;
    let dropped = 0;
    for (const [id, kept] of this.letters) {
      if (this.letters.size <= this.maxEntries && this.bytes <= MAX_BYTES) {
        break;
      }
      if (id === added) {
        // Never drop the one just added, however large: the next one added drops it.
        continue;
      }
      this.letters.delete(id);
      this.bytes -= kept.length;
      dropped++;
    }
    return Promise.resolve(dropped);
  }

  get(id: string): Promise<StoredDeadLetter | undefined> {
    const json = this.letters.get(id);
    return Promise.resolve(json === undefined ? undefined : (JSON.parse(json) as StoredDeadLetter));
  }

  page(limit: number, after?: string): Promise<StoredDeadLetter[]> {
    const page: StoredDeadLetter[] = [];
    for (const [id, json] of this.letters) {
      if (page.length === limit) {
        break;
      }
      if (after === undefined || id > after) {
        page.push(JSON.parse(json) as StoredDeadLetter);
      }
    }
    return Promise.resolve(page);
  }

  replace(id: string, json: string): Promise<boolean> {
    const kept = this.letters.get(id);
    if (kept === undefined) {
      return Promise.resolve(false);
    }
    this.letters.set(id, json);
    this.bytes += json.length - kept.length;
    return Promise.resolve(true);
  }

  remove(id: string): Promise<boolean> {
    const kept = this.letters.get(id);
    if (kept !== undefined) {
      this.letters.delete(id);
      this.bytes -= kept.length;
    }
    return Promise.resolve(kept !== undefined);
  }

  count(): Promise<number> {
    return Promise.resolve(this.letters.size);
  }
}
