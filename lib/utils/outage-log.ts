import type { Logger } from '@nestjs/common';
import { errorMessage } from './error-message.js';

/** Logs an outage of a service once when it starts and once when it ends, not per failure. */
export class OutageLog {
  private down = false;

  constructor(
    private readonly logger: Logger,
    private readonly service: string,
  ) {}

  failed(error: unknown, consequence: string): void {
    if (!this.down) {
      this.down = true;
      this.logger.error(`${this.service} unavailable (${errorMessage(error)}); ${consequence}`);
    }
  }

  recovered(): void {
    if (this.down) {
      this.down = false;
      this.logger.log(`${this.service} recovered`);
    }
  }
}
