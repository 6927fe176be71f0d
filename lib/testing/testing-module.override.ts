import { WebhookDestinationGuard } from '../deliver/destination.guard';
import { WebhookTransport } from '../options/webhook-transport.interface';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { createMemoryTransport, type MemoryWebhookTransport } from './memory.transport';

/** The part of `@nestjs/testing`'s TestingModuleBuilder the override uses. */
export interface OverridableTestingModuleBuilder {
  overrideProvider(token: unknown): {
    useValue(value: unknown): OverridableTestingModuleBuilder;
    useFactory(options: {
      factory: (...args: never[]) => unknown;
      inject?: unknown[];
    }): OverridableTestingModuleBuilder;
  };
}

/**
 * For applications whose own module imports `WebhooksModule` (with `forRoot` or `forRootAsync`): makes a
 * testing module send through `transport` (an in-memory one by default) and resolve hosts offline, the
 * application's module left as it is. Get the kit with `WebhooksTestKit.from(moduleRef)` after compiling.
 *
 * ```ts
 * const moduleRef = await overrideWebhooksForTesting(Test.createTestingModule({ imports: [AppModule] })).compile();
 * const kit = WebhooksTestKit.from(moduleRef);
 * ```
 */
export function overrideWebhooksForTesting<B extends OverridableTestingModuleBuilder>(
  builder: B,
  transport: MemoryWebhookTransport = createMemoryTransport(),
): B {
  return builder
    .overrideProvider(WebhookTransport)
    .useValue(transport)
    .overrideProvider(WebhookDestinationGuard)
    .useFactory({
      factory: (options: ResolvedWebhooksOptions) =>
        new WebhookDestinationGuard(transport.offlineTargets(options.targets)),
      inject: [WEBHOOKS_MODULE_OPTIONS],
    }) as B;
}
