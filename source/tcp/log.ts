/**
A server's log: one line per notable thing, on stderr, each with the time (UTC, ISO 8601) and
who speaks (`replica 0`). Things that can repeat fast (a peer that stays unreachable, a client
that keeps sending bad messages) are logged once, then at most once per `quietMs` for the same
key with how many were held back, so a log stays readable under attack or during an outage.
*/

export const quietMs = 10_000;

export class Log {
	private readonly lastByKey = new Map<string, {at: number; held: number}>();

	constructor(
		private readonly who: string,
		private readonly write: (text: string) => void,
		private readonly now: () => number = Date.now,
	) {}

	line(text: string): void {
		this.write(`${new Date(this.now()).toISOString()} ${this.who}: ${text}\n`);
	}

	/** Logs `text` unless a line with this key went out less than `quietMs` ago. */
	limited(key: string, text: string): void {
		const now = this.now();
		const last = this.lastByKey.get(key);
		if (last !== undefined && now - last.at < quietMs) {
			last.held++;
			return;
		}

		const held = last?.held ?? 0;
		this.line(held > 0 ? `${text} (and ${held} more like it)` : text);
		this.lastByKey.set(key, {at: now, held: 0});
		if (this.lastByKey.size > 10_000) {
			this.lastByKey.clear(); // Many keys (many strangers): start over rather than grow.
		}
	}

	/** Forgets the key, so that its next line goes out at once (the outage it was about ended). */
	reset(key: string): void {
		this.lastByKey.delete(key);
	}
}
