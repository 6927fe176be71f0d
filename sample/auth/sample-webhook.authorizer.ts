import { Injectable } from '@nestjs/common';
import { WebhookUnknownPermissionError, type WebhookAuthorizationContext, type WebhookAuthorizer } from '../../lib';
import { principalById, type SamplePrincipal } from './sample-principals';

/** The one permission of the sample: seeing the contacts of one's own scope. */
export const VIEW_PERMISSION = 'view';

/**
 * Checks owned subscriptions before each event reaches them (the seed's owner and permission checks): the
 * owner must work where the event happened, or above. `oun-manager`'s subscription hears of OUN's contacts;
 * had it subscribed in `/noaa/nws`, an event of Amarillo would not reach it.
 */
@Injectable()
export class SampleWebhookAuthorizer implements WebhookAuthorizer<SamplePrincipal> {
  findPrincipal(id: string, { scope }: WebhookAuthorizationContext): SamplePrincipal | undefined {
    return principalById(id, scope);
  }

  knowsPermission(permission: string): boolean {
    return permission === VIEW_PERMISSION;
  }

  isAllowed(_principal: SamplePrincipal, permission: string): boolean {
    // findPrincipal already placed the principal where the event happened: that is all "view" asks.
    if (permission !== VIEW_PERMISSION) throw new WebhookUnknownPermissionError(permission);
    return true;
  }
}
