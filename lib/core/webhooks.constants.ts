/** Injection token of the resolved {@link WebhooksModuleOptions}. */
export const WEBHOOKS_MODULE_OPTIONS = 'WEBHOOKS_MODULE_OPTIONS';

/** Injection token of the raw options given to `forRoot`/`forRootAsync`, before defaults are applied. */
export const WEBHOOKS_RAW_OPTIONS = 'WEBHOOKS_RAW_OPTIONS';

/** Injection token of the EventEmitter2 the module emits its lifecycle events on. */
export const WEBHOOKS_EVENT_EMITTER = 'WEBHOOKS_EVENT_EMITTER';

/** Injection token of the TypeORM DataSource the module stores subscriptions and attempts in. */
export const WEBHOOKS_DATA_SOURCE = 'WEBHOOKS_DATA_SOURCE';

/** The name of the data source the module opens itself when `forRoot({ database })` is used. */
export const WEBHOOKS_OWN_DATA_SOURCE_NAME = 'webhooks';

/** The scope of the root registry: static subscriptions live here unless given a scope. */
export const ROOT_SCOPE = '/';
