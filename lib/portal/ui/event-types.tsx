import { usePortal } from './context';
import { exampleOf } from './format';

/** The event catalog: what can be subscribed to, what each event means, and what its payload looks like. */
export function EventTypes() {
  const { catalog } = usePortal();
  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Event types</h1>
      {catalog.length === 0 && <p class="empty">This application declares no event types.</p>}
      <ul class="cards">
        {catalog.map((type) => (
          <li key={type.name} class="card">
            <h2>
              <code>{type.name}</code>
            </h2>
            <p>{type.description ?? <span class="muted">No description.</span>}</p>
            <p class="muted small">Declared by {type.sources.join(', ')}</p>
            {type.schema && (
              <>
                <details>
                  <summary>Example payload</summary>
                  <pre class="code">{JSON.stringify(exampleOf(type.schema), null, 2)}</pre>
                </details>
                <details>
                  <summary>JSON schema</summary>
                  <pre class="code">{JSON.stringify(type.schema, null, 2)}</pre>
                </details>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
