import { useState } from 'preact/hooks';
import { usePortal } from './context';
import { ConfirmDialog, RotateDialog, SecretDialog } from './dialogs';
import { AttemptBadge, StatusBadge } from './endpoints-list';
import { dateTime, duration } from './format';
import { go, useLoad, usePolling } from './hooks';
import type { Attempt, Page, Subscription } from './types';

type Modal = null | 'rotate' | 'delete' | { secret: string; publicKey?: string };

/** One endpoint: what it is, what can be done to it, and its delivery attempts as they come. */
export function EndpointDetail(props: { id: string }) {
  const { api, notify } = usePortal();
  const path = `subscriptions/${encodeURIComponent(props.id)}`;
  const endpoint = useLoad(() => api.get<Subscription>(path), [props.id]);
  const [modal, setModal] = useState<Modal>(null);
  const [busy, setBusy] = useState(false);

  const act = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await what();
      notify(done);
      await endpoint.reload();
    } catch (error) {
      notify((error as Error).message, 'error');
    } finally {
      setBusy(false);
    }
  };

  if (endpoint.error)
    return (
      <p class="notice error" role="alert">
        {endpoint.error.message}
      </p>
    );
  const s = endpoint.data;
  if (!s) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="endpoint-title">
      <p>
        <a href="#/">← Endpoints</a>
      </p>
      <div class="heading-row">
        <h1 id="endpoint-title" class="break">
          {s.to}
        </h1>
        <StatusBadge active={s.active} message={s.statusMessage} />
      </div>
      {s.description && <p>{s.description}</p>}
      <div class="toolbar" role="group" aria-label="Endpoint actions">
        <a class="button" href={`#/endpoints/${encodeURIComponent(s.id)}/edit`}>
          Edit
        </a>
        <button
          type="button"
          class="button"
          disabled={busy}
          onClick={() =>
            void act(() => api.send('POST', `${path}/test`), 'Test event sent: its attempt appears below.')
          }
        >
          Send test event
        </button>
        <button type="button" class="button" disabled={busy} onClick={() => setModal('rotate')}>
          Rotate secret
        </button>
        {s.active ? (
          <button
            type="button"
            class="button"
            disabled={busy}
            onClick={() => void act(() => api.send('POST', `${path}/deactivate`, {}), 'Endpoint deactivated.')}
          >
            Deactivate
          </button>
        ) : (
          <button
            type="button"
            class="button"
            disabled={busy}
            onClick={() => void act(() => api.send('POST', `${path}/activate`), 'Endpoint activated.')}
          >
            Activate
          </button>
        )}
        <button type="button" class="button danger" disabled={busy} onClick={() => setModal('delete')}>
          Delete
        </button>
      </div>
      <dl class="facts">
        <dt>Status</dt>
        <dd>{s.statusMessage}</dd>
        <dt>Events</dt>
        <dd>
          {s.events.map((e) => (
            <code key={e} class="chip">
              {e}
            </code>
          ))}
        </dd>
        <dt>Scope</dt>
        <dd>
          <code>{s.scope}</code>
        </dd>
        <dt>Owner</dt>
        <dd>{s.owner ?? '–'}</dd>
        <dt>Dialect</dt>
        <dd>{s.dialect}</dd>
        <dt>Failures in a row</dt>
        <dd>{s.consecutiveFailures}</dd>
        <dt>Id</dt>
        <dd>
          <code>{s.id}</code>
        </dd>
        <dt>Created</dt>
        <dd>{dateTime(s.createdAt)}</dd>
      </dl>
      <Attempts subscription={s} />
      {modal === 'rotate' && (
        <RotateDialog
          onClose={() => setModal(null)}
          onRotate={async (overlapMs) => {
            try {
              const rotated = await api.send<{ secret: string; publicKey?: string }>('POST', `${path}/rotate-secret`, {
                overlapMs,
              });
              setModal(rotated);
              notify('Secret rotated.');
            } catch (error) {
              setModal(null);
              notify((error as Error).message, 'error');
            }
          }}
        />
      )}
      {modal !== null && typeof modal === 'object' && (
        <SecretDialog rotated secret={modal.secret} publicKey={modal.publicKey} onClose={() => setModal(null)} />
      )}
      {modal === 'delete' && (
        <ConfirmDialog
          title="Delete this endpoint?"
          message={`${s.to} stops receiving webhooks, and its delivery history is deleted. This cannot be undone.`}
          confirm="Delete endpoint"
          onClose={() => setModal(null)}
          onConfirm={() => {
            setModal(null);
            void api.send('DELETE', path).then(
              () => {
                notify('Endpoint deleted.');
                go('');
              },
              (error: Error) => notify(error.message, 'error'),
            );
          }}
        />
      )}
    </section>
  );
}

/** The endpoint's attempts, newest first, refreshed while the page is visible; retry one, replay by filter. */
function Attempts(props: { subscription: Subscription }) {
  const { api, session, notify } = usePortal();
  const id = props.subscription.id;
  const base = `subscriptions/${encodeURIComponent(id)}/attempts`;
  const [status, setStatus] = useState('');
  const [live, setLive] = useState(true);
  const page = useLoad(() => api.get<Page<Attempt>>(base, { status, limit: 25 }), [id, status]);
  const [checkedAt, setCheckedAt] = useState<Date | null>(null);
  usePolling(() => page.reload().then(() => setCheckedAt(new Date())), session.pollInterval, live);

  const retry = (attempt: Attempt) =>
    void api.send('POST', `${base}/${encodeURIComponent(attempt.id)}/retry`).then(
      () => {
        notify(`Attempt ${attempt.event} sent again.`);
        void page.reload();
      },
      (error: Error) => notify(error.message, 'error'),
    );

  return (
    <section aria-labelledby="attempts-title" class="panel">
      <div class="heading-row">
        <h2 id="attempts-title">Delivery attempts</h2>
        <label class="check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} />
          Live updates
        </label>
      </div>
      <div class="filters">
        <label class="field">
          <span>Show</span>
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">All attempts</option>
            <option value="pending">Pending</option>
            <option value="successful">Successful</option>
            <option value="failed">Failed</option>
          </select>
        </label>
        <p class="muted small" aria-live="off">
          {live ? `Checked ${checkedAt ? checkedAt.toLocaleTimeString() : 'just now'}` : 'Paused'}
        </p>
      </div>
      {page.error && <p class="notice error">{page.error.message}</p>}
      {page.data && page.data.items.length === 0 && <p class="empty">No delivery attempts yet. Send a test event.</p>}
      {page.data && page.data.items.length > 0 && (
        <table class="table attempts">
          <caption class="sr-only">Delivery attempts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Code</th>
              <th scope="col">Duration</th>
              <th scope="col">Tries</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((a) => (
              <tr key={a.id} data-attempt={a.id}>
                <td data-label="Created">
                  <a href={`#/endpoints/${encodeURIComponent(id)}/attempts/${encodeURIComponent(a.id)}`}>
                    {dateTime(a.createdAt)}
                  </a>
                </td>
                <td data-label="Event">
                  <code>{a.event}</code>
                </td>
                <td data-label="Status">
                  <AttemptBadge status={a.status} />
                </td>
                <td data-label="Code">{a.response?.statusCode ?? '–'}</td>
                <td data-label="Duration">
                  {duration(a.response?.elapsedMs ?? a.tries[a.tries.length - 1]?.elapsedMs)}
                </td>
                <td data-label="Tries">{a.attemptCount}</td>
                <td data-label="Actions">
                  <button type="button" class="button small" disabled={a.status === 'pending'} onClick={() => retry(a)}>
                    Retry<span class="sr-only"> attempt of {dateTime(a.createdAt)}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Replay subscriptionId={id} onDone={() => void page.reload()} />
    </section>
  );
}

/** Sends again the attempts that match a filter (by default the failed ones). */
function Replay(props: { subscriptionId: string; onDone: () => void }) {
  const { api, notify } = usePortal();
  const [status, setStatus] = useState('failed');
  const [since, setSince] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="replay"
      aria-labelledby="replay-title"
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        const body: Record<string, string> = { subscriptionId: props.subscriptionId, status };
        if (since) body.since = new Date(since).toISOString();
        void api
          .send<{ count: number }>('POST', 'attempts/replay', body)
          .then(
            ({ count }) => {
              notify(`${count} ${count === 1 ? 'attempt' : 'attempts'} scheduled again.`);
              props.onDone();
            },
            (error: Error) => notify(error.message, 'error'),
          )
          .finally(() => setBusy(false));
      }}
    >
      <h3 id="replay-title">Replay</h3>
      <label class="field">
        <span>Attempts that</span>
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="failed">failed</option>
          <option value="successful">succeeded</option>
        </select>
      </label>
      <label class="field">
        <span>Created since (optional)</span>
        <input type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
      </label>
      <button type="submit" class="button" disabled={busy}>
        Replay attempts
      </button>
    </form>
  );
}
