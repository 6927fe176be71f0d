import { useEffect, useMemo, useState } from 'preact/hooks';
import { usePortal } from './context';
import { ago, percent } from './format';
import { useLoad, usePolling } from './hooks';
import type { DeliveryStats, Page, Subscription } from './types';

/** "Active" or "Inactive", as a badge that does not rely on colour alone. */
export function StatusBadge(props: { active: boolean; message?: string }) {
  return (
    <span class={props.active ? 'badge ok' : 'badge off'} title={props.message}>
      {props.active ? '● Active' : '○ Inactive'}
    </span>
  );
}

export function AttemptBadge(props: { status: string }) {
  const tone = props.status === 'successful' ? 'ok' : props.status === 'failed' ? 'bad' : 'wait';
  const mark = props.status === 'successful' ? '✓' : props.status === 'failed' ? '✕' : '…';
  return <span class={`badge ${tone}`}>{`${mark} ${props.status}`}</span>;
}

/** The endpoints the caller may see, filterable, with their recent deliveries. */
export function EndpointsList() {
  const { api, session, catalog } = usePortal();
  const [search, setSearch] = useState('');
  const [active, setActive] = useState('');
  const [event, setEvent] = useState('');
  const [owner, setOwner] = useState('');
  const [within, setWithin] = useState('');
  const [extra, setExtra] = useState<Subscription[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [stats, setStats] = useState<Record<string, DeliveryStats>>({});
  const query = { active, event, owner: owner.trim(), within: within.trim(), limit: 50 };
  const page = useLoad(() => api.get<Page<Subscription>>('subscriptions', query), [active, event, owner, within]);
  useEffect(() => {
    setExtra([]);
    setCursor(page.data?.nextCursor ?? null);
  }, [page.data]);
  const all = useMemo(() => [...(page.data?.items ?? []), ...extra], [page.data, extra]);
  const loadStats = async () => {
    if (all.length === 0) return;
    const ids = all.slice(0, 100).map((s) => s.id);
    const { items } = await api.get<{ items: DeliveryStats[] }>('delivery-stats', { ids: ids.join(',') });
    setStats(Object.fromEntries(items.map((s) => [s.subscriptionId, s])));
  };
  useEffect(() => void loadStats().catch(() => undefined), [all]);
  usePolling(() => loadStats().catch(() => undefined), session.pollInterval);

  const needle = search.trim().toLowerCase();
  const shown = needle
    ? all.filter((s) => [s.to, s.description ?? '', s.id, s.owner ?? ''].some((v) => v.toLowerCase().includes(needle)))
    : all;

  return (
    <section aria-labelledby="endpoints-title">
      <div class="heading-row">
        <h1 id="endpoints-title">Endpoints</h1>
        <a class="button primary" href="#/new">
          New endpoint
        </a>
      </div>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label class="field">
          <span>Search</span>
          <input
            type="search"
            value={search}
            placeholder="URL, description or id"
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Status</span>
          <select value={active} onChange={(e) => setActive(e.currentTarget.value)}>
            <option value="">All</option>
            <option value="true">Active</option>
            <option value="false">Inactive</option>
          </select>
        </label>
        <label class="field">
          <span>Event</span>
          <select value={event} onChange={(e) => setEvent(e.currentTarget.value)}>
            <option value="">All events</option>
            {catalog.map((type) => (
              <option key={type.name} value={type.name}>
                {type.name}
              </option>
            ))}
          </select>
        </label>
        {session.principal.isAdmin && (
          <>
            <label class="field">
              <span>Owner</span>
              <input value={owner} onChange={(e) => setOwner(e.currentTarget.value)} placeholder="any" />
            </label>
            <label class="field">
              <span>Scope (and beneath)</span>
              <input value={within} onChange={(e) => setWithin(e.currentTarget.value)} placeholder="/" />
            </label>
          </>
        )}
      </form>
      {page.error && (
        <p class="notice error" role="alert">
          {page.error.message}
        </p>
      )}
      {!page.data && !page.error && <p aria-busy="true">Loading endpoints…</p>}
      {page.data && shown.length === 0 && (
        <p class="empty">
          {all.length === 0
            ? 'No endpoints yet. Create one to start receiving webhooks.'
            : 'No endpoint matches the search.'}
        </p>
      )}
      {shown.length > 0 && (
        <table class="table endpoints">
          <caption class="sr-only">Endpoints, with their recent deliveries</caption>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Status</th>
              <th scope="col">Events</th>
              <th scope="col">Scope</th>
              <th scope="col">Last delivery</th>
              <th scope="col">Success rate</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => {
              const st = stats[s.id];
              return (
                <tr key={s.id}>
                  <td data-label="Endpoint">
                    <a class="endpoint-link" href={`#/endpoints/${encodeURIComponent(s.id)}`}>
                      {s.to}
                    </a>
                    {s.description && <div class="muted">{s.description}</div>}
                  </td>
                  <td data-label="Status">
                    <StatusBadge active={s.active} message={s.statusMessage} />
                  </td>
                  <td data-label="Events">
                    {s.events.map((name) => (
                      <code key={name} class="chip">
                        {name}
                      </code>
                    ))}
                  </td>
                  <td data-label="Scope">
                    <code>{s.scope}</code>
                  </td>
                  <td data-label="Last delivery">
                    {st?.last ? (
                      <span>
                        <AttemptBadge status={st.last.status} /> {st.last.statusCode ?? ''}{' '}
                        <span class="muted">{ago(st.last.createdAt)}</span>
                      </span>
                    ) : (
                      <span class="muted">{st ? 'none yet' : '…'}</span>
                    )}
                  </td>
                  <td data-label="Success rate">
                    {st ? percent(st.successRate) : '…'}
                    {st && st.sampled > 0 && <div class="muted small">of the last {st.successful + st.failed}</div>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {cursor && (
        <button
          type="button"
          class="button"
          onClick={() =>
            void api.get<Page<Subscription>>('subscriptions', { ...query, cursor }).then((next) => {
              setExtra((before) => [...before, ...next.items]);
              setCursor(next.nextCursor);
            })
          }
        >
          Load more
        </button>
      )}
    </section>
  );
}
