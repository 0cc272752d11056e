/**
The clock of a replica server: real time, ticked by the server itself (no operator owns it).
*/

/** Real milliseconds per replica tick (the core's timeouts assume 10 ms). */
export const tickMs = 10;

/**
Hosts stall and networks lag, so a backup waits 1 to 2 s for its primary before it asks for a
view change, and a primary 1 s to hear from a quorum before it steps down, instead of the core's
0.5 to 1 s and 0.5 s (as the process cluster does on a busy machine).
*/
export const serverTimeouts = {primary: 100, viewChange: 100} as const;
