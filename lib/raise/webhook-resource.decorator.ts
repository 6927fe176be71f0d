import { WebhookValidationError } from '../core/errors/webhooks.errors';
import { WEBHOOK_RESOURCE_METADATA } from '../core/webhooks-metadata.constants';
import type { WebhookResourceMetadata, WebhookResourceOptions } from '../core/metadata/webhook-resource.metadata';

const RESOURCE_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

/**
 * Marks a TypeORM entity as a webhook resource: inserting, updating and removing it (through the entity
 * manager or a repository) raise `<name>.create`, `<name>.update` and `<name>.delete` inside the same
 * transaction, so that an entity's changes and their events commit or roll back together.
 *
 * ```ts
 * @WebhookResource('contact', { scope: (c: Contact) => `/orgs/${c.orgId}` })
 * @Entity() export class Contact { ... }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a class decorator cannot see the entity's type: `any` lets the callbacks read it unannotated
export function WebhookResource<TEntity = any>(
  name: string,
  options: WebhookResourceOptions<TEntity> = {},
): ClassDecorator {
  if (typeof name !== 'string' || !RESOURCE_NAME.test(name) || name.length > 200) {
    throw new WebhookValidationError(
      'name',
      'must be a resource name: lower-case letters, digits, "_" and "-", dot-separated (e.g. "contact")',
    );
  }
  return (target) => {
    Reflect.defineMetadata(WEBHOOK_RESOURCE_METADATA, { name, options } satisfies WebhookResourceMetadata, target);
  };
}
