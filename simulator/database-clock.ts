/**
 * The simulated database host's clock. `SYSDATE`, `SYSTIMESTAMP` and the DATEs the database writes
 * (`ALL_USERS.CREATED`, `USER_OBJECTS.CREATED`) follow the host's operating-system time zone
 * (`databaseTimeZone`); the time in ORDS job names follows ORDS' own clock (`jobNameClock`), which
 * Oracle does not document: UTC, or the database's.
 */

/** A moment as the database prints it: `YYYY-MM-DDTHH24:MI:SS` in its zone, and that zone's offset then. */
export interface DatabaseClockTime {
  readonly text: string;
  /** `+09:00`, `-05:00`, `+00:00`, as `TO_CHAR(SYSTIMESTAMP, 'TZH:TZM')` prints it. */
  readonly offset: string;
}

/** Why `zone` is not a time zone the simulator can play (an offset like `+09:00`, or an IANA name), or null. */
export function timeZoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return 'an offset such as "+09:00" or an IANA time zone such as "America/New_York"';
  }
}

/** `date` on the clock of `zone`. */
export function databaseClockTime(date: Date, zone: string): DatabaseClockTime {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  const text = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  const name = String(parts.timeZoneName ?? 'GMT');
  return { text, offset: name === 'GMT' ? '+00:00' : name.replace(/^GMT/, '') };
}

/** A Date whose UTC fields read as `date` on the clock of `zone`: what `jobTimestamp` prints for it. */
export function asLocalClock(date: Date, zone: string): Date {
  return new Date(
    `${databaseClockTime(date, zone).text}.${String(date.getUTCMilliseconds()).padStart(3, '0')}Z`,
  );
}
