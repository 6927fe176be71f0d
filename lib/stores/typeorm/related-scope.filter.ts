import { Brackets, type SelectQueryBuilder } from 'typeorm';
import { scopeLineage } from '../../core/scopes/scope-path.util';
import { ROOT_SCOPE } from '../../core/webhooks.constants';

/**
 * Narrows a subscription query (alias `s`) to the scopes related to `branch`. `LIKE` treats `_` as a
 * wildcard, so callers keep the exact matches with {@link isRelatedScope} afterwards.
 */
export function relatedScopeFilter<T extends object>(query: SelectQueryBuilder<T>, branch: string): void {
  if (branch === ROOT_SCOPE) return;
  query.andWhere(
    new Brackets((where) =>
      where
        .where('s.scope IN (:...relatedLineage)', { relatedLineage: scopeLineage(branch) })
        .orWhere('s.scope LIKE :relatedBelow', {
          relatedBelow: `${branch}/%`,
        }),
    ),
  );
}
