/** The parts of an event, as the bus, its handlers and the `diagnostics_channel`s carry them. */

/** An event's name: an array of strings, such as `['vsr', 'protocol', 'prepare', 'sent']`. */
export type EventName = readonly string[];
/** What an event measured: numbers, and times and durations as bigint nanoseconds. */
export type Measurements = Record<string, number | bigint>;
/** What an event is about: any JSON-friendly fields (node, view, client …). */
export type Metadata = Record<string, unknown>;
