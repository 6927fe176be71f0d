import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { WebhooksConfigurationError } from '../../core/errors/webhooks.errors';
import { WEBHOOK_AUTHORIZER } from '../../options/authorization.constants';
import {
  authorizerMissingMethodsMessage,
  authorizerUnresolvableMessage,
} from '../../core/messages/authorization.messages';
import type { WebhookAuthorizer } from '../../options/webhook-authorizer.interface';

const OPTION = 'authorization.authorizer';

/**
 * The authorizer to use: the option's instance; the option's class, as the application provides it
 * (so it keeps its dependencies and its single instance) or else instantiated in the module's context;
 * or a provider of {@link WEBHOOK_AUTHORIZER} anywhere in the application. `undefined` when none.
 */
export async function resolveWebhookAuthorizer(
  configured: WebhookAuthorizer | Type<WebhookAuthorizer> | undefined,
  moduleRef: ModuleRef,
): Promise<WebhookAuthorizer | undefined> {
  if (configured === undefined) {
    const provided = lookup<WebhookAuthorizer>(moduleRef, WEBHOOK_AUTHORIZER);
    return provided === undefined ? undefined : usable(provided, String(WEBHOOK_AUTHORIZER));
  }
  if (typeof configured !== 'function') return usable(configured, configured.constructor?.name ?? 'object');
  let instance = lookup<WebhookAuthorizer>(moduleRef, configured);
  if (instance === undefined) {
    try {
      instance = await moduleRef.create(configured);
    } catch (error) {
      throw new WebhooksConfigurationError(
        authorizerUnresolvableMessage(configured.name, (error as Error).message),
        OPTION,
      );
    }
  }
  return usable(instance, configured.name);
}

function lookup<T>(moduleRef: ModuleRef, token: string | Type<T>): T | undefined {
  try {
    return moduleRef.get<T>(token, { strict: false }) ?? undefined;
  } catch {
    // Not provided anywhere: that is what the caller checks.
    return undefined;
  }
}

function usable(authorizer: WebhookAuthorizer, name: string): WebhookAuthorizer {
  const candidate = authorizer as unknown as Record<string, unknown> | null;
  const missing = ['findPrincipal', 'isAllowed'].filter((method) => typeof candidate?.[method] !== 'function');
  if (missing.length > 0) throw new WebhooksConfigurationError(authorizerMissingMethodsMessage(name, missing), OPTION);
  return authorizer;
}
