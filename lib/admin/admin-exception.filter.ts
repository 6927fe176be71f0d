import { type ArgumentsHost, Catch, type ExceptionFilter, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { adminErrorReply } from './admin-error.mapper';

/**
 * The exception filter of the admin controllers: typed module errors become 400 (with the field and the
 * reason), 404 and 409; HTTP exceptions pass; nothing else leaks its message. Replies through the HTTP
 * adapter, so it works on Express and Fastify alike.
 */
@Injectable()
@Catch()
export class WebhooksAdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WebhooksAdmin');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = adminErrorReply(error);
    if (reply.serverFault) {
      const request = host.switchToHttp().getRequest<{ method?: string; url?: string }>();
      this.logger.error(
        `${request?.method ?? ''} ${request?.url ?? ''} failed: ${(error as Error)?.message ?? error}`,
        (error as Error)?.stack,
      );
    }
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), reply.body, reply.status);
  }
}
