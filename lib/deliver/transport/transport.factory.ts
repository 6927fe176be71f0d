import type { ModuleRef } from '@nestjs/core';
import { WebhooksConfigurationError } from '../../core/errors/webhooks.errors';
import { axiosTransportUnavailableMessage } from './transport.messages';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import { type AxiosLike, AxiosTransport } from './axios.transport';
import { UndiciTransport } from './undici.transport';
import type { WebhookTransport } from '../../options/webhook-transport.interface';

/** The transport `delivery.transport` names, or the instance it gives. */
export function createTransport(options: ResolvedWebhooksOptions, moduleRef: ModuleRef): WebhookTransport {
  const { transport } = options.delivery;
  if (typeof transport === 'object') return transport;
  if (transport === 'undici') return new UndiciTransport(options.delivery.concurrency);
  let http: AxiosLike;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- @nestjs/axios is an optional peer, loaded only for transport 'axios'
    const { HttpService } = require('@nestjs/axios') as { HttpService: new (...args: never[]) => AxiosLike };
    http = moduleRef.get(HttpService, { strict: false });
  } catch {
    throw new WebhooksConfigurationError(axiosTransportUnavailableMessage(), 'delivery.transport');
  }
  return new AxiosTransport(http);
}
