import type { ModuleRef } from '@nestjs/core';
import { WebhooksConfigurationError } from '../errors/webhooks.errors';
import { axiosTransportUnavailableMessage } from '../errors/webhooks.messages';
import type { ResolvedWebhooksOptions } from '../webhooks.options';
import { type AxiosLike, AxiosTransport } from './axios.transport';
import { UndiciTransport } from './undici.transport';
import type { WebhookTransport } from './webhook-transport.interface';

/** The transport `delivery.transport` names. */
export function createTransport(options: ResolvedWebhooksOptions, moduleRef: ModuleRef): WebhookTransport {
  if (options.delivery.transport === 'undici') return new UndiciTransport(options.delivery.concurrency);
  let http: AxiosLike;
  try {
    const { HttpService } = require('@nestjs/axios') as { HttpService: new (...args: never[]) => AxiosLike };
    http = moduleRef.get(HttpService, { strict: false });
  } catch {
    throw new WebhooksConfigurationError(axiosTransportUnavailableMessage(), 'delivery.transport');
  }
  return new AxiosTransport(http);
}
