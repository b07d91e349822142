const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Delay before each delivery attempt, as the platform (Svix) schedules them: the first at once,
 * then after each failure 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: eight attempts over
 * about 28 hours.
 */
export const WAZAPIN_RETRY_SCHEDULE_MS: readonly number[] = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];

/** How long a rotated-out secret keeps signing, as Svix does by default. */
export const WAZAPIN_SECRET_GRACE_PERIOD_MS = 24 * HOUR;
