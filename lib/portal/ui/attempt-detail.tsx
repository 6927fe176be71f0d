import { usePortal } from './context';
import { AttemptBadge } from './endpoints-list';
import { dateTime, duration, prettyBody } from './format';
import { useLoad, usePolling } from './hooks';
import type { Attempt } from './types';

function Headers(props: { headers?: Record<string, string>; label: string }) {
  const entries = Object.entries(props.headers ?? {});
  if (entries.length === 0) return <p class="muted">No headers recorded.</p>;
  return (
    <table class="table headers">
      <caption class="sr-only">{props.label}</caption>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">
              <code>{name}</code>
            </th>
            <td class="break">
              <code>{value}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One attempt as stored: its tries, the request as sent (secrets redacted), the latest response. */
export function AttemptDetail(props: { subscriptionId: string; attemptId: string }) {
  const { api, session, notify } = usePortal();
  const path = `subscriptions/${encodeURIComponent(props.subscriptionId)}/attempts/${encodeURIComponent(props.attemptId)}`;
  const attempt = useLoad(() => api.get<Attempt>(path), [path]);
  usePolling(() => attempt.reload(), session.pollInterval, attempt.data?.status === 'pending');
  if (attempt.error)
    return (
      <p class="notice error" role="alert">
        {attempt.error.message}
      </p>
    );
  const a = attempt.data;
  if (!a) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="attempt-title">
      <p>
        <a href={`#/endpoints/${encodeURIComponent(props.subscriptionId)}`}>← Endpoint</a>
      </p>
      <div class="heading-row">
        <h1 id="attempt-title">
          Attempt <code>{a.event}</code>
        </h1>
        <AttemptBadge status={a.status} />
      </div>
      <div class="toolbar">
        <button
          type="button"
          class="button"
          disabled={a.status === 'pending'}
          onClick={() =>
            void api.send('POST', `${path}/retry`).then(
              () => {
                notify('Attempt sent again.');
                void attempt.reload();
              },
              (error: Error) => notify(error.message, 'error'),
            )
          }
        >
          Retry now
        </button>
      </div>
      <dl class="facts">
        <dt>Result</dt>
        <dd>{a.message}</dd>
        <dt>Message id</dt>
        <dd>
          <code>{a.messageId}</code>
        </dd>
        <dt>Created</dt>
        <dd>{dateTime(a.createdAt)}</dd>
        <dt>Resolved</dt>
        <dd>{dateTime(a.resolvedAt)}</dd>
        <dt>Next try</dt>
        <dd>{dateTime(a.nextAttemptAt)}</dd>
      </dl>
      <section class="panel" aria-labelledby="tries-title">
        <h2 id="tries-title">Tries ({a.tries.length})</h2>
        {a.tries.length === 0 ? (
          <p class="muted">Not tried yet.</p>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Trigger</th>
                <th scope="col">Code</th>
                <th scope="col">Result</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {a.tries.map((t) => (
                <tr key={t.number}>
                  <td data-label="#">{t.number}</td>
                  <td data-label="When">{dateTime(t.at)}</td>
                  <td data-label="Trigger">{t.trigger}</td>
                  <td data-label="Code">{t.statusCode || '–'}</td>
                  <td data-label="Result">
                    {t.message}
                    {t.error && <div class="muted small">{t.error}</div>}
                  </td>
                  <td data-label="Duration">{duration(t.elapsedMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <div class="columns">
        <section class="panel" aria-labelledby="request-title">
          <h2 id="request-title">Request</h2>
          <p class="break">
            <code>
              {a.request.method} {a.request.url}
            </code>
          </p>
          <Headers headers={a.request.headers} label="Request headers" />
          <h3>Body</h3>
          <pre class="code" tabIndex={0} aria-label="Request body">
            {prettyBody(a.request.body)}
          </pre>
        </section>
        <section class="panel" aria-labelledby="response-title">
          <h2 id="response-title">Response</h2>
          {a.response ? (
            <>
              <p>
                <strong>
                  {a.response.statusCode} {a.response.reason}
                </strong>{' '}
                <span class="muted">in {duration(a.response.elapsedMs)}</span>
              </p>
              <Headers headers={a.response.headers} label="Response headers" />
              <h3>Body{a.response.truncated ? ' (truncated)' : ''}</h3>
              <pre class="code" tabIndex={0} aria-label="Response body">
                {prettyBody(a.response.body) || '(empty)'}
              </pre>
            </>
          ) : (
            <p class="muted">No response recorded{a.status === 'pending' ? ' yet' : ''}.</p>
          )}
        </section>
      </div>
      {a.internalInfo !== undefined && (
        <details class="panel">
          <summary>Internal information (administrators)</summary>
          <pre class="code">{JSON.stringify(a.internalInfo, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}
