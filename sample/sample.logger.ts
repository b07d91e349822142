import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/**
 * Nest's console logger, writing errors to stdout without their stack, so the sample's planned
 * failure reads as one line in order with the rest of the log. Keep the default logger in a
 * real app.
 */
export class SampleLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stdout', errorStack, params);
  }

  protected override printStackTrace(): void {}
}
