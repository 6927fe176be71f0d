import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line the application logs, by level and context. */
export class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; context: string; message: string }> = [];

  log(message: unknown, context?: unknown) {
    this.add('log', message, context);
  }
  warn(message: unknown, context?: unknown) {
    this.add('warn', message, context);
  }
  error(message: unknown, _trace?: unknown, context?: unknown) {
    this.add('error', message, context);
  }

  /** The warnings logged under `context`. */
  warnings(context: string): Array<{ level: string; context: string; message: string }> {
    return this.lines.filter((line) => line.level === 'warn' && line.context === context);
  }

  private add(level: string, message: unknown, context?: unknown) {
    this.lines.push({ level, context: String(context ?? ''), message: String(message) });
  }
}
