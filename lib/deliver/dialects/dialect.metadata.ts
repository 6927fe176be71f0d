import 'reflect-metadata';
import { WEBHOOK_DIALECT_METADATA } from '../../core/dialect.constants';
import type { ClassLike } from '../../core/util/class-like.util';

/** What `@WebhookDialect('name')` records on a class. */
export interface WebhookDialectMetadata {
  /** The dialect name. */
  name: string;
}

/** The `@WebhookDialect` metadata of a class or of its nearest decorated ancestor, if any. */
export function getWebhookDialectMetadata(target: ClassLike): WebhookDialectMetadata | undefined {
  return Reflect.getMetadata(WEBHOOK_DIALECT_METADATA, target) as WebhookDialectMetadata | undefined;
}
