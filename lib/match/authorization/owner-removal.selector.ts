import { assertScope, isWithinScope, scopeLineage } from '../../core/scopes/scope-path.util';
import { WebhookScope } from '../../core/scopes/webhook-scope.context';

/**
 * Which scopes a removed principal's subscriptions are deleted from, as the seed's
 * `remove_subscriptions_for_principal` finds subscription managers: those of the principal's own scope and
 * its ancestors, plus those of the current (ambient) scope's lineage — plus the subtree `within`, when
 * given (the seed's `IWebhookSubscriptionManagers` adapter for more places). `undefined` without a
 * `principalScope`: no lineage restriction.
 */
export function ownerRemovalSelector(
  principalScope: unknown,
  within: string | undefined,
): ((scope: string) => boolean) | undefined {
  if (principalScope === undefined) return undefined;
  const lineage = new Set(scopeLineage(assertScope(principalScope, 'principalScope')));
  const ambient = WebhookScope.current();
  if (ambient) for (const scope of scopeLineage(ambient)) lineage.add(scope);
  return (scope) => lineage.has(scope) || (within !== undefined && isWithinScope(scope, within));
}
