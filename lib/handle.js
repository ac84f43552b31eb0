// One domain's native handle, opened lazily from the store's database, and the single place
// a native call's failure becomes a MastraError. Shared by every domain class.
import { storageError } from './marshal.js';

export class NativeHandle {
  #connect;
  #open;
  #handle = null;

  /**
   * @param {() => Promise<import('../native.d.ts').NativeDb>} connect  the store's database
   * @param {(db: import('../native.d.ts').NativeDb) => any} open       picks the domain handle
   * @param {() => any} logger                                          the domain's logger
   */
  constructor(connect, open, logger) {
    this.#connect = connect;
    this.#open = open;
    this.logger = logger;
  }

  async #get() {
    const db = await this.#connect();
    this.#handle ??= this.#open(db);
    return this.#handle;
  }

  /** Open (and, unless disableInit, migrate) the database. */
  async init() {
    try {
      await this.#connect();
    } catch (error) {
      throw storageError('INIT', error);
    }
  }

  /** Run `fn(handle)`; failures become MASTRA_STORAGE_NATIVE_<op>_FAILED MastraErrors. */
  async call(op, details, fn) {
    try {
      return await fn(this.#handle ?? (await this.#get()));
    } catch (error) {
      const e = storageError(op, error, details);
      if (e.category !== 'USER') this.logger()?.error?.(e.toString());
      throw e;
    }
  }
}
