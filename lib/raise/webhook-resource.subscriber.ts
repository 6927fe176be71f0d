import { Inject, Injectable, Optional } from '@nestjs/common';
import type {
  DataSource,
  EntitySubscriberInterface,
  InsertEvent,
  RemoveEvent,
  SoftRemoveEvent,
  UpdateEvent,
} from 'typeorm';
import { resourceOf, type WebhookResourceEvent } from '../core/metadata/webhook-resource.metadata';
import { WEBHOOKS_DATA_SOURCE } from '../core/webhooks.constants';
import { WebhookDispatcher } from './webhook-dispatcher.service';

/**
 * Raises `<resource>.create/update/delete` for entities marked with `@WebhookResource`, from TypeORM's entity
 * events, with the event's EntityManager — so the outbox rows join the transaction that saved the entity.
 * Updates made with `update()`/query builders carry no entity and raise nothing: use `save()`.
 */
@Injectable()
export class WebhookResourceSubscriber implements EntitySubscriberInterface {
  constructor(
    private readonly dispatcher: WebhookDispatcher,
    // Entity events exist only with a TypeORM data source; with memory storage there is none.
    @Optional() @Inject(WEBHOOKS_DATA_SOURCE) dataSource?: DataSource,
  ) {
    dataSource?.subscribers.push(this);
  }

  async afterInsert(event: InsertEvent<object>): Promise<void> {
    await this.raise(event.entity, 'create', event.manager);
  }

  async afterUpdate(event: UpdateEvent<object>): Promise<void> {
    await this.raise(event.entity ?? event.databaseEntity, 'update', event.manager);
  }

  async afterRemove(event: RemoveEvent<object>): Promise<void> {
    await this.raise(this.removed(event), 'delete', event.manager);
  }

  async afterSoftRemove(event: SoftRemoveEvent<object>): Promise<void> {
    await this.raise(this.removed(event), 'delete', event.manager);
  }

  private removed(event: RemoveEvent<object> | SoftRemoveEvent<object>): object | undefined {
    // TypeORM clears the primary key on the removed entity; put it back from the event.
    const entity = event.entity ?? event.databaseEntity;
    if (!entity || event.entityId === undefined) return entity;
    const primary = event.metadata.primaryColumns;
    if (primary.length === 1 && (entity as Record<string, unknown>)[primary[0].propertyName] === undefined) {
      const entityId: unknown = event.entityId;
      const id =
        typeof entityId === 'object' ? (entityId as Record<string, unknown>)[primary[0].propertyName] : entityId;
      const copy = Object.create(Object.getPrototypeOf(entity) as object | null) as object;
      return Object.assign(copy, entity, { [primary[0].propertyName]: id });
    }
    return entity;
  }

  private async raise(
    entity: object | undefined,
    action: WebhookResourceEvent,
    manager: InsertEvent<object>['manager'],
  ): Promise<void> {
    const resource = resourceOf(entity);
    if (!entity || !resource) return;
    const { name, options } = resource;
    if (options.events && !options.events.includes(action)) return;
    await this.dispatcher.dispatch(`${name}.${action}`, options.payload ? options.payload(entity, action) : entity, {
      manager,
      scope: options.scope?.(entity),
      resource: name,
      orderingKey: orderingKeyOf(entity, options.orderingKey),
    });
  }
}

/** The ordering key `@WebhookResource({ orderingKey })` gives an entity (`true`: its `id`). */
function orderingKeyOf(
  entity: object,
  option: true | ((entity: object) => string | number | null | undefined) | undefined,
): string | number | null | undefined {
  if (option === undefined) return undefined;
  if (option === true) return (entity as { id?: string | number | null }).id;
  return option(entity);
}
