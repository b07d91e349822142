import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Answers every error on the webhook route as `{ statusCode, error, message }`, ahead of any
 * global filter the app has, so the platform sees the status the module chose. Messages never
 * hold secrets, signatures or the body.
 */
@Catch()
export class WazapinWebhookExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WazapinWebhooks');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const status = exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    const message = exception instanceof HttpException ? exception.message : 'Internal server error';
    if (!(exception instanceof HttpException)) {
      this.logger.error(`Unexpected error on the webhook route: ${String(exception)}`, (exception as Error | undefined)?.stack);
    }
    const body = { statusCode: status, error: HttpStatus[status] ?? 'Error', message };
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, status);
  }
}
