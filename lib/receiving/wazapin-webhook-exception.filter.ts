import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import { errorMessage, errorStack } from '../utils/error-message.js';
import { RECEIVE_TRACE, type TracedRequest } from './receive-trace.js';

/**
 * The JSON body of an HTTP exception. One built from a string (as `@nestjs/throttler`'s
 * `ThrottlerException` is) would be sent as text/html; it gets Nest's usual shape instead.
 */
function jsonBody(exception: HttpException): object {
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null) {
    return response;
  }
  const status = exception.getStatus();
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: String(response) };
}

/**
 * Answers every error on the webhook route as Nest's `{ statusCode, error, message }` JSON,
 * ahead of any global filter the app has, so the platform sees the status the module chose.
 * Messages never hold secrets, signatures or the body. The request's trace ends here when it failed.
 */
@Catch()
export class WazapinWebhookExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WazapinWebhooks');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<unknown>();
    http.getRequest<TracedRequest>()[RECEIVE_TRACE]?.failed(exception);
    if (exception instanceof HttpException) {
      this.adapterHost.httpAdapter.reply(response, jsonBody(exception), exception.getStatus());
      return;
    }
    this.logger.error(`Unexpected error on the webhook route: ${errorMessage(exception)}`, errorStack(exception));
    const status = HttpStatus.INTERNAL_SERVER_ERROR;
    this.adapterHost.httpAdapter.reply(response, { statusCode: status, error: 'Internal Server Error', message: 'Internal server error' }, status);
  }
}
