import type { SqlError } from './rest-sql.js';

/**
 * The database users (schemas) of the simulated database, as `ALL_USERS` shows them: those that
 * exist from the start (`databaseUsers`, created long ago) and those an import creates through
 * `remap_schemas`. `DROP USER … CASCADE` removes one.
 */

/** When the users that exist from the start were created. */
const INSTALLED_AT = new Date('2020-01-01T00:00:00Z');

/** What tests see of a user. */
export interface SimulatedUser {
  readonly username: string;
  readonly created: Date;
}

/** The users of one simulated database. */
export class DatabaseUsers {
  private readonly users = new Map<string, SimulatedUser>();

  constructor(initial: readonly string[]) {
    for (const name of initial) this.users.set(name, { username: name, created: INSTALLED_AT });
  }

  /** The user of that name, if it exists. */
  find(username: string): SimulatedUser | undefined {
    return this.users.get(username);
  }

  /** Creates a user (an import's target schema); false when it exists already. */
  create(username: string, at: Date): boolean {
    if (this.users.has(username)) return false;
    this.users.set(username, { username, created: at });
    return true;
  }

  /** `DROP USER "NAME" CASCADE`: ORA-01918 when it does not exist, ORA-01031 for the caller itself. */
  drop(caller: string, username: string): SqlError | null {
    if (!this.users.has(username)) {
      return { code: 1918, message: `ORA-01918: user '${username}' does not exist` };
    }
    if (username === caller) {
      return { code: 1940, message: 'ORA-01940: cannot drop a user that is currently connected' };
    }
    this.users.delete(username);
    return null;
  }

  /** Every user, in creation order. */
  list(): SimulatedUser[] {
    return [...this.users.values()];
  }
}
