/**
 * A status line that changes while the sample waits: rewritten in place (`\r`) on a terminal; on a pipe
 * or a file (CI), printed as a plain line each time it says something new.
 */
export class ProgressLine {
  private last = '';
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Shows `text`; `key` (default: the text) decides what counts as new on a pipe. */
  update(text: string, key = text): void {
    if (this.tty) {
      this.stream.write(`\r${text}\x1b[K`);
    } else if (key !== this.last) {
      this.stream.write(`${text}\n`);
    }
    this.last = key;
  }

  /** Ends the line with `text`. */
  finish(text: string): void {
    this.stream.write(this.tty ? `\r${text}\x1b[K\n` : `${text}\n`);
    this.last = '';
  }
}
