import type { CanActivate, ModuleMetadata, Type } from '@nestjs/common';
import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { invalidOptionMessage, unknownOptionMessage } from '../core/errors/webhooks.messages';
import { missingAdminPeers } from './admin-peers';
import { WEBHOOKS_ADMIN_DEFAULTS } from './admin.constants';
import {
  adminGuardInvalidMessage,
  adminGuardsRequiredMessage,
  adminPathInvalidMessage,
  adminPeersMissingMessage,
  adminPrincipalRequiredMessage,
} from './admin.messages';
import type { WebhooksAdminOptions, WebhooksAdminPrincipalResolver } from '../options/webhooks-admin-options.interface';

/** `forRoot({ admin })` after validation. */
export interface ResolvedWebhooksAdminOptions {
  /** The route prefix, without leading or trailing slashes. */
  path: string;
  guards: Array<Type<CanActivate> | CanActivate>;
  principal: WebhooksAdminPrincipalResolver;
  imports: NonNullable<ModuleMetadata['imports']>;
  apiTag: string;
  apiSecurity: string[];
}

const KNOWN = ['path', 'guards', 'principal', 'imports', 'apiTag', 'apiSecurity', 'portal'] as const;
const PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

/**
 * Validates `forRoot({ admin })`: it needs at least one guard, a principal resolver and the validation
 * packages, so that the admin API is never served open or unvalidated by accident.
 */
export function resolveAdminOptions(
  admin: WebhooksAdminOptions,
  load?: (name: string) => unknown,
): ResolvedWebhooksAdminOptions {
  if (typeof admin !== 'object' || admin === null || Array.isArray(admin)) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage('admin', 'an object { path?, guards, principal }', admin),
      'admin',
    );
  }
  for (const key of Object.keys(admin)) {
    if (!(KNOWN as readonly string[]).includes(key)) {
      throw new WebhooksConfigurationError(unknownOptionMessage(`admin.${key}`, KNOWN), `admin.${key}`);
    }
  }
  const rawPath = admin.path ?? WEBHOOKS_ADMIN_DEFAULTS.path;
  const path = typeof rawPath === 'string' ? rawPath.replace(/^\/+|\/+$/g, '') : rawPath;
  if (typeof path !== 'string' || !PATH.test(path)) {
    throw new WebhooksConfigurationError(adminPathInvalidMessage(rawPath), 'admin.path');
  }
  if (!Array.isArray(admin.guards) || admin.guards.length === 0) {
    throw new WebhooksConfigurationError(adminGuardsRequiredMessage(), 'admin.guards');
  }
  admin.guards.forEach((guard, index) => {
    const usable =
      typeof guard === 'function' ||
      (typeof guard === 'object' && guard !== null && typeof guard.canActivate === 'function');
    if (!usable) throw new WebhooksConfigurationError(adminGuardInvalidMessage(index), `admin.guards[${index}]`);
  });
  if (typeof admin.principal !== 'function') {
    throw new WebhooksConfigurationError(adminPrincipalRequiredMessage(), 'admin.principal');
  }
  if (admin.imports !== undefined && !Array.isArray(admin.imports)) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage('admin.imports', 'a list of modules', admin.imports),
      'admin.imports',
    );
  }
  const apiTag = admin.apiTag ?? WEBHOOKS_ADMIN_DEFAULTS.apiTag;
  if (typeof apiTag !== 'string' || apiTag.trim() === '' || apiTag.length > 100) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage('admin.apiTag', 'a non-empty string', apiTag),
      'admin.apiTag',
    );
  }
  const apiSecurity = admin.apiSecurity ?? [];
  if (
    !Array.isArray(apiSecurity) ||
    apiSecurity.some((name) => typeof name !== 'string' || name.trim() === '' || name.length > 100)
  ) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage('admin.apiSecurity', 'a list of security scheme names such as ["bearer"]', apiSecurity),
      'admin.apiSecurity',
    );
  }
  const missing = missingAdminPeers(load);
  if (missing.length > 0) throw new WebhooksConfigurationError(adminPeersMissingMessage(missing), 'admin');
  return {
    path,
    guards: [...admin.guards],
    principal: admin.principal,
    imports: [...(admin.imports ?? [])],
    apiTag,
    apiSecurity: [...apiSecurity],
  };
}
