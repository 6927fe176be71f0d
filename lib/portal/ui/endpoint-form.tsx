import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, formFieldOf } from './api';
import { usePortal } from './context';
import { SecretDialog } from './dialogs';
import { exampleOf } from './format';
import { go, useLoad } from './hooks';
import type { CreatedSubscription, Subscription } from './types';

type Errors = Record<string, string>;

/** A labelled field with its error beside it (announced, and tied to the input by aria-describedby). */
function Field(props: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: preact.ComponentChildren;
}) {
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <small id={`${props.id}-hint`} class="muted">
          {props.hint}
        </small>
      )}
      {props.children}
      {props.error && (
        <p id={`${props.id}-error`} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

const describedBy = (id: string, errors: Errors, field: string, hint = false) =>
  [hint ? `${id}-hint` : '', errors[field] ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

/** Create (no `id`) or edit an endpoint. */
export function EndpointForm(props: { id?: string }) {
  const { api, session, catalog, notify } = usePortal();
  const existing = useLoad(
    () => (props.id ? api.get<Subscription>(`subscriptions/${encodeURIComponent(props.id)}`) : Promise.resolve(null)),
    [props.id],
  );
  const [to, setTo] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [patterns, setPatterns] = useState('');
  const [dialect, setDialect] = useState('default');
  const [scope, setScope] = useState('');
  const [owner, setOwner] = useState('');
  const [metadata, setMetadata] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedSubscription | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const known = new Set(catalog.map((t) => t.name));

  useEffect(() => {
    const s = existing.data;
    if (!s) return;
    setTo(s.to);
    setDescription(s.description ?? '');
    setEvents(s.events.filter((e) => known.has(e)));
    setPatterns(s.events.filter((e) => !known.has(e)).join(', '));
    setDialect(s.dialect);
    setOwner(s.owner ?? '');
    setMetadata(s.metadata ? JSON.stringify(s.metadata, null, 2) : '');
  }, [existing.data]);

  useEffect(() => {
    // After a refused submit, focus goes to the first field at fault.
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.focus();
  }, [errors]);

  if (props.id && existing.error)
    return (
      <p class="notice error" role="alert">
        {existing.error.message}
      </p>
    );
  if (props.id && !existing.data) return <p aria-busy="true">Loading…</p>;

  const submit = async (event: Event) => {
    event.preventDefault();
    const allEvents = [...events, ...patterns.split(/[\s,]+/).filter(Boolean)];
    const local: Errors = {};
    let meta: unknown = null;
    if (metadata.trim()) {
      try {
        meta = JSON.parse(metadata);
      } catch {
        local.metadata = 'is not valid JSON';
      }
    }
    if (allEvents.length === 0) local.events = 'Pick at least one event type, or give a pattern such as contact.*';
    if (Object.keys(local).length > 0) return setErrors(local);
    const body: Record<string, unknown> = { to: to.trim(), events: allEvents, dialect: dialect.trim() || 'default' };
    body.description = description.trim() || null;
    body.metadata = meta;
    if (session.principal.isAdmin && owner.trim()) body.owner = owner.trim();
    if (!props.id) {
      if (scope.trim()) body.scope = scope.trim();
      if (body.description === null) delete body.description;
      if (body.metadata === null) delete body.metadata;
    }
    setBusy(true);
    try {
      if (props.id) {
        await api.send('PATCH', `subscriptions/${encodeURIComponent(props.id)}`, body);
        notify('Endpoint saved.');
        go(`endpoints/${encodeURIComponent(props.id)}`);
      } else {
        const result = await api.send<CreatedSubscription>('POST', 'subscriptions', body);
        if (result.secret) setCreated(result);
        else go(`endpoints/${encodeURIComponent(result.id)}`);
        notify('Endpoint created.');
      }
      setErrors({});
    } catch (error) {
      if (error instanceof ApiError && error.fields.length > 0) {
        const next: Errors = {};
        for (const { field, reason } of error.fields) {
          const key = formFieldOf(field);
          next[key] ??= field === key ? reason : `${field} ${reason}`;
        }
        setErrors(next);
      } else {
        setErrors({ form: (error as Error).message });
      }
    } finally {
      setBusy(false);
    }
  };

  const invalid = (field: string) => (errors[field] ? 'true' : undefined);
  const title = props.id ? 'Edit endpoint' : 'New endpoint';
  return (
    <section aria-labelledby="form-title">
      <h1 id="form-title">{title}</h1>
      <form ref={formRef} class="form" onSubmit={(e) => void submit(e)} noValidate>
        {Object.keys(errors).length > 0 && (
          <div class="notice error" role="alert">
            {errors.form ?? 'The endpoint was not saved: correct the fields marked below.'}
          </div>
        )}
        <Field id="f-to" label="Endpoint URL" error={errors.to} hint="Where the webhooks are sent (https://…).">
          <input
            id="f-to"
            type="url"
            required
            value={to}
            placeholder="https://example.com/webhooks"
            aria-invalid={invalid('to')}
            aria-describedby={describedBy('f-to', errors, 'to', true)}
            onInput={(e) => setTo(e.currentTarget.value)}
          />
        </Field>
        <Field id="f-description" label="Description" error={errors.description}>
          <input
            id="f-description"
            value={description}
            aria-invalid={invalid('description')}
            aria-describedby={describedBy('f-description', errors, 'description')}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        </Field>
        <fieldset
          class={errors.events ? 'field invalid' : 'field'}
          aria-describedby={errors.events ? 'f-events-error' : undefined}
        >
          <legend>Events</legend>
          {catalog.length === 0 && <p class="muted">This application declares no event types: give patterns below.</p>}
          <ul class="event-picker">
            {catalog.map((type) => {
              const example = exampleOf(type.schema);
              return (
                <li key={type.name}>
                  <label class="check">
                    <input
                      type="checkbox"
                      checked={events.includes(type.name)}
                      onChange={(e) =>
                        setEvents((before) =>
                          e.currentTarget.checked ? [...before, type.name] : before.filter((n) => n !== type.name),
                        )
                      }
                    />
                    <code>{type.name}</code>
                  </label>
                  {type.description && <p class="muted">{type.description}</p>}
                  {type.schema && (
                    <details>
                      <summary>Example payload</summary>
                      <pre class="code">{JSON.stringify(example, null, 2)}</pre>
                    </details>
                  )}
                </li>
              );
            })}
          </ul>
          <label for="f-patterns">Other patterns</label>
          <input
            id="f-patterns"
            value={patterns}
            placeholder="contact.*, *.delete"
            aria-invalid={invalid('events')}
            onInput={(e) => setPatterns(e.currentTarget.value)}
          />
          {errors.events && (
            <p id="f-events-error" class="field-error">
              {errors.events}
            </p>
          )}
        </fieldset>
        <Field
          id="f-dialect"
          label="Dialect"
          error={errors.dialect}
          hint="default, or standard (Standard Webhooks envelope)."
        >
          <input
            id="f-dialect"
            list="dialects"
            value={dialect}
            aria-invalid={invalid('dialect')}
            aria-describedby={describedBy('f-dialect', errors, 'dialect', true)}
            onInput={(e) => setDialect(e.currentTarget.value)}
          />
          <datalist id="dialects">
            <option value="default" />
            <option value="standard" />
          </datalist>
        </Field>
        {!props.id && (
          <Field id="f-scope" label="Scope" error={errors.scope} hint={`Default: ${session.principal.scope ?? '/'}`}>
            <input
              id="f-scope"
              value={scope}
              placeholder={session.principal.scope ?? '/'}
              aria-invalid={invalid('scope')}
              aria-describedby={describedBy('f-scope', errors, 'scope', true)}
              onInput={(e) => setScope(e.currentTarget.value)}
            />
          </Field>
        )}
        {session.principal.isAdmin && (
          <Field id="f-owner" label="Owner" error={errors.owner} hint="Default: you.">
            <input
              id="f-owner"
              value={owner}
              aria-invalid={invalid('owner')}
              aria-describedby={describedBy('f-owner', errors, 'owner', true)}
              onInput={(e) => setOwner(e.currentTarget.value)}
            />
          </Field>
        )}
        <Field id="f-metadata" label="Metadata (JSON object)" error={errors.metadata}>
          <textarea
            id="f-metadata"
            class="mono"
            rows={3}
            value={metadata}
            aria-invalid={invalid('metadata')}
            aria-describedby={describedBy('f-metadata', errors, 'metadata')}
            onInput={(e) => setMetadata(e.currentTarget.value)}
          />
        </Field>
        <div class="actions">
          <a class="button" href={props.id ? `#/endpoints/${encodeURIComponent(props.id)}` : '#/'}>
            Cancel
          </a>
          <button type="submit" class="button primary" disabled={busy}>
            {props.id ? 'Save changes' : 'Create endpoint'}
          </button>
        </div>
      </form>
      {created?.secret && (
        <SecretDialog
          secret={created.secret}
          publicKey={created.publicKey}
          onClose={() => go(`endpoints/${encodeURIComponent(created.id)}`)}
        />
      )}
    </section>
  );
}
