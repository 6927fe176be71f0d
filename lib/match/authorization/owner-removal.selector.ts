import { assertScope, isWithinScope, scopeLineage } from '../../core/scopes/scope-path.util';
import { WebhookScope } from '../../core/scopes/webhook-scope.context';

/**
 * Which scopes a removed principal's subscriptions are deleted from: the principal's own scope and its
 * ancestors (where it could have created them), plus the current (ambient) scope's lineage — plus the
 * subtree `within`, when given, for applications that let principals subscribe beneath their scope. A
 * same-named principal of a sibling scope is a different one and keeps its subscriptions. `undefined`
 * without a `principalScope`: no lineage restriction.
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
