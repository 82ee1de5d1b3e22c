// Class mode's limits, each with its reason.

/** A display name: long enough for a full name, short enough for a card on the wall. */
export const DISPLAY_NAME_MAX = 40;
/** Learners per class: a class of 30 with room for late-comers; a leaked invite cannot fill the database. */
export const LEARNERS_PER_CLASS = 200;
/** A sign-in lasts a school term; the teacher's revoke or close ends it sooner. */
export const SESSION_TTL_MS = 120 * 24 * 3600 * 1000;
/**
 * Join and sign-in attempts per client address per minute. Behind a proxy the whole class shares the proxy's
 * address, so this must fit a class of 30 joining at once with retries; the shared budget of failed short codes
 * below is what stops guessing.
 */
export const JOINS_PER_ADDRESS_PER_MINUTE = 120;
/** Failed code lookups per minute from everyone together: the budget of a guesser with many addresses. */
export const FAILED_CODES_PER_MINUTE = 60;
/** One lesson's saved edits (only files that differ from the original). */
export const EDITS_MAX_BYTES = 512 * 1024;
/** One lesson's progress entry. */
export const PROGRESS_MAX_BYTES = 8 * 1024;
/** Saves of edits or progress per learner per minute (the page saves after a pause in typing). */
export const SAVES_PER_MINUTE = 120;
