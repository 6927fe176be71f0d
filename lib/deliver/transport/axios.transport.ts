import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import type {
  WebhookTransportOptions,
  WebhookTransportRequest,
  WebhookTransportResponse,
} from '../../options/webhook-transport.interface';
import { WebhookTransport } from '../../options/webhook-transport.interface';
import { flattenHeaders, pinnedLookup, readCapped } from './undici.transport';

/** Response headers as Node gives them: a value, or a list of values for repeated headers. */
type ResponseHeaders = Record<string, string | string[] | undefined>;

/** The part of `@nestjs/axios`'s HttpService the transport uses. */
export interface AxiosLike {
  axiosRef: {
    request(config: Record<string, unknown>): Promise<{
      status: number;
      statusText?: string;
      // An AxiosHeaders object (with toJSON()) or a plain object of headers.
      headers?: ResponseHeaders & { toJSON?: () => ResponseHeaders };
      data: Readable;
    }>;
  };
}

/**
 * Sends through the application's `@nestjs/axios` HttpService, so that its interceptors and defaults
 * apply. The connection is pinned to the checked address through axios's `lookup`; redirects and
 * environment proxies are off.
 */
export class AxiosTransport extends WebhookTransport {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly http: AxiosLike) {
    super();
  }

  async send(request: WebhookTransportRequest, options: WebhookTransportOptions): Promise<WebhookTransportResponse> {
    const { address, family } = options.destination;
    const timeout = AbortSignal.timeout(options.timeout);
    const response = await this.http.axiosRef.request({
      url: request.url,
      method: request.method,
      headers: request.headers,
      data: request.body,
      responseType: 'stream',
      maxRedirects: 0,
      proxy: false,
      timeout: options.timeout,
      signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
      validateStatus: () => true,
      transformRequest: [(data: unknown) => data],
      lookup: pinnedLookup(address, family),
      family,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
    });
    const { body, truncated } = await readCapped(response.data, options.maxResponseBodyBytes);
    const headers = typeof response.headers?.toJSON === 'function' ? response.headers.toJSON() : response.headers;
    return {
      statusCode: response.status,
      reason: response.statusText || STATUS_CODES[response.status] || '',
      headers: flattenHeaders(headers ?? {}),
      body,
      truncated,
    };
  }

  override close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    return Promise.resolve();
  }
}
