/**
 * Injection token under which the module also provides the {@link WebhookEventCatalog}, for services that must
 * not import the catalog's class (it reaches the dispatcher, which reaches them).
 */
export const WEBHOOK_EVENT_CATALOG = 'WEBHOOK_EVENT_CATALOG';
