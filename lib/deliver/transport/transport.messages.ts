/** What the transports say when they cannot be set up. */

export const axiosTransportUnavailableMessage = (): string =>
  `WebhooksModule: delivery.transport is "axios" but no HttpService was found. Install @nestjs/axios and axios ` +
  `and import HttpModule in the module that imports WebhooksModule (or use the default "undici" transport).`;
