import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A modal dialog on the native <dialog>: the browser traps focus in it, closes it with Escape and gives focus
 * back to what opened it.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`dialog-${Math.random().toString(36).slice(2)}`).current;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class={props.wide ? 'dialog wide' : 'dialog'}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** Copies `text`, saying so; falls back to selecting it where the clipboard is not available. */
export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="button"
      onClick={() => {
        void navigator.clipboard?.writeText(props.text).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
    >
      {copied ? 'Copied' : (props.label ?? 'Copy')}
    </button>
  );
}

/** The signing secret, shown once (after a create or a rotation). */
export function SecretDialog(props: { secret: string; publicKey?: string; rotated?: boolean; onClose: () => void }) {
  return (
    <Dialog
      title={props.rotated ? 'New signing secret' : 'Endpoint created: its signing secret'}
      onClose={props.onClose}
    >
      <p>
        Copy it now and store it where your receiver verifies signatures: <strong>it is shown only once</strong>.
        {props.rotated ? ' The previous secret keeps signing during the overlap you chose.' : ''}
      </p>
      <label class="field">
        <span>Signing secret</span>
        <input class="mono" readOnly value={props.secret} onFocus={(e) => e.currentTarget.select()} />
      </label>
      {props.publicKey && (
        <label class="field">
          <span>Public key (ed25519)</span>
          <input class="mono" readOnly value={props.publicKey} onFocus={(e) => e.currentTarget.select()} />
        </label>
      )}
      <div class="actions">
        <CopyButton text={props.secret} label="Copy secret" />
        <button type="button" class="button primary" autoFocus onClick={props.onClose}>
          I have stored it
        </button>
      </div>
    </Dialog>
  );
}

/** Asks before something that cannot be undone. */
export function ConfirmDialog(props: {
  title: string;
  message: string;
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <p>{props.message}</p>
      <div class="actions">
        <button type="button" class="button" autoFocus onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" class="button danger" onClick={props.onConfirm}>
          {props.confirm}
        </button>
      </div>
    </Dialog>
  );
}

const OVERLAPS: Array<[string, number]> = [
  ['Stop it now', 0],
  ['1 hour', 3_600_000],
  ['24 hours', 86_400_000],
  ['3 days', 3 * 86_400_000],
  ['7 days', 7 * 86_400_000],
];

/** Rotation: how long the current secret keeps signing beside the new one. */
export function RotateDialog(props: { onRotate: (overlapMs: number) => Promise<void>; onClose: () => void }) {
  const [overlap, setOverlap] = useState(86_400_000);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title="Rotate the signing secret" onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          void props.onRotate(overlap).finally(() => setBusy(false));
        }}
      >
        <p>
          A new secret signs every request from now on. During the overlap, requests carry signatures with both the old
          and the new secret, so your receiver can switch without losing a delivery.
        </p>
        <label class="field">
          <span>Keep the current secret signing for</span>
          <select value={String(overlap)} onChange={(e) => setOverlap(Number(e.currentTarget.value))}>
            {OVERLAPS.map(([label, ms]) => (
              <option key={ms} value={String(ms)}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button type="button" class="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            Rotate secret
          </button>
        </div>
      </form>
    </Dialog>
  );
}
