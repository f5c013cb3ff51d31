// The labeling view (`?view=label`): one queued headline at a time with the model's guess, labeled by
// button or keyboard, progress, export (CSV, JSONL, Label Studio), import, and a sampler run on demand.
// Behind the gateway's label token, which the annotator types in and the tab keeps (sessionStorage).
import {
  Annotator,
  LabelFormat,
  LabelingNextResponse,
  LabelSampleResponse,
  LabelsImportResponse,
  LabelsResponse,
  type LabelingProgress,
  type LabelsRequest,
} from '@barometer/schemas/api';
import type { ScoredItem } from '@barometer/schemas/items';
import { useCallback, useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { downloadExport, formatOfFile, labelingJson, loadCredentials, saveCredentials, type Credentials } from './labeling-api.ts';

type Choice = 'negative' | 'neutral' | 'positive' | 'skip';

/** Keys per choice; the first is shown on the button. */
const SHORTCUTS: Record<Choice, readonly string[]> = {
  negative: ['1', 'n'],
  neutral: ['2', 'u'],
  positive: ['3', 'p'],
  skip: ['s', ' '],
};
const CHOICES: readonly Choice[] = ['negative', 'neutral', 'positive', 'skip'];
const KEY_NAMES: Record<string, string> = { ' ': 'Space' };
const BATCH = 20;

function choiceOfKey(key: string): Choice | undefined {
  const k = key.toLowerCase();
  return CHOICES.find((c) => SHORTCUTS[c].includes(k));
}

/** Typing into a field must not label anything, nor Space on a focused control (it presses that control). */
function ignoredKey(event: KeyboardEvent): boolean {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey || !(target instanceof HTMLElement)) return event.ctrlKey || event.metaKey || event.altKey;
  if (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return true;
  return event.key === ' ' && ['BUTTON', 'A', 'SUMMARY'].includes(target.tagName);
}

export function labelViewRequested(search = window.location.search, pathname = window.location.pathname): boolean {
  return new URLSearchParams(search).get('view') === 'label' || pathname.replace(/\/$/, '') === '/label';
}

function SignIn({ initial, error, onDone }: { initial: Partial<Credentials>; error: string | null; onDone: (c: Credentials) => void }) {
  const [annotator, setAnnotator] = useState(initial.annotator ?? '');
  const [token, setToken] = useState('');
  const parsed = Annotator.safeParse(annotator);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (parsed.success && token.trim()) onDone({ annotator: parsed.data, token: token.trim() });
  };
  return (
    <form className="card label-signin" onSubmit={submit} data-testid="label-signin">
      <h2>Sign in to label</h2>
      {error && (
        <p className="label-error" role="alert">
          {error}
        </p>
      )}
      <label htmlFor="label-annotator">Your name (stored with each label)</label>
      <input id="label-annotator" autoComplete="username" value={annotator} onChange={(e) => setAnnotator(e.target.value)} maxLength={100} required />
      {annotator !== '' && !parsed.success && <p className="muted small">Letters, digits, spaces and . _ @ + - only.</p>}
      <label htmlFor="label-token">Label token (BAROMETER_LABEL_TOKEN)</label>
      <input id="label-token" type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} required />
      <button type="submit" className="label-primary" disabled={!parsed.success || token.trim() === ''}>
        Start labeling
      </button>
      <p className="muted small">The token is kept in this tab only; your name is remembered on this device.</p>
    </form>
  );
}

function Probabilities({ item }: { item: ScoredItem }) {
  return (
    <p className="label-model small" data-testid="label-model">
      Model: <strong className={`tone-${item.label}`}>{item.label}</strong>{' '}
      <span className="muted">
        (negative {Math.round(item.negative * 100)}% · neutral {Math.round(item.neutral * 100)}% · positive {Math.round(item.positive * 100)}%)
      </span>
    </p>
  );
}

function Labeler({ creds, onUnauthorized, onSignOut }: { creds: Credentials; onUnauthorized: (reason: string) => void; onSignOut: () => void }) {
  const [items, setItems] = useState<readonly ScoredItem[] | null>(null);
  const [progress, setProgress] = useState<LabelingProgress | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [importFormat, setImportFormat] = useState<LabelFormat | 'auto'>('auto');
  const skipped = useRef(new Set<string>());
  const { token, annotator } = creds;

  const fail = useCallback(
    (r: { reason: string; unauthorized?: boolean }) => (r.unauthorized ? onUnauthorized(r.reason) : setStatus(`Failed: ${r.reason}.`)),
    [onUnauthorized],
  );

  const load = useCallback(async () => {
    const r = await labelingJson(`/api/v1/labeling/next?annotator=${encodeURIComponent(annotator)}&limit=${BATCH}`, token, LabelingNextResponse);
    if (!r.ok) return fail(r);
    setProgress(r.data.progress);
    setItems(r.data.items.filter((i) => !skipped.current.has(i.id)));
  }, [annotator, token, fail]);

  useEffect(() => {
    void load();
  }, [load]);

  const current = items?.[0];

  const choose = useCallback(
    async (choice: Choice) => {
      if (!current || busy) return;
      const rest = items?.slice(1) ?? [];
      if (choice === 'skip') {
        skipped.current.add(current.id);
        setItems(rest);
        setStatus('Skipped.');
        if (rest.length === 0) await load();
        return;
      }
      setBusy(true);
      const body: LabelsRequest = { annotator, labels: [{ id: current.id, label: choice }] };
      const r = await labelingJson('/api/v1/labels', token, LabelsResponse, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      setBusy(false);
      if (!r.ok) return fail(r);
      setProgress(r.data.progress);
      setItems(rest);
      setStatus(`Labeled ${choice}.`);
      if (rest.length === 0) await load();
    },
    [current, busy, items, annotator, token, fail, load],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (ignoredKey(event)) return;
      const choice = choiceOfKey(event.key);
      if (!choice) return;
      event.preventDefault();
      void choose(choice);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [choose]);

  const sample = async () => {
    const r = await labelingJson('/api/v1/labeling/sample', token, LabelSampleResponse, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ annotator }),
    });
    if (!r.ok) return fail(r);
    setStatus(r.data.queued === 0 ? 'The sampler found nothing new to queue.' : `Queued ${r.data.queued} more headlines.`);
    await load();
  };

  const exportAs = async (format: LabelFormat) => {
    const r = await downloadExport(token, format);
    if (!r.ok) return fail(r);
    setStatus(`Downloaded ${r.data}.`);
  };

  const importFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    const format = importFormat === 'auto' ? formatOfFile(file.name) : importFormat;
    const r = await labelingJson(`/api/v1/labels/import?format=${format}`, token, LabelsImportResponse, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-barometer-annotator': annotator },
      body: await file.text(),
    });
    if (!r.ok) return fail(r);
    const errors = r.data.errors;
    setStatus(
      `Imported ${r.data.imported} labels from ${file.name}` +
        (errors.length ? `; ${errors.length} rejected: ${errors.slice(0, 5).join(' | ')}${errors.length > 5 ? ' …' : ''}` : '.'),
    );
    await load();
  };

  const done = progress?.done ?? 0;
  const queued = progress?.queued ?? 0;
  return (
    <div className="label-layout">
      <section className="card label-card" aria-labelledby="label-title" data-testid="label-view">
        <div className="card-head">
          <h2 id="label-title">Label headlines</h2>
          <p className="muted small label-who">
            as <strong>{annotator}</strong>{' '}
            <button type="button" className="label-link" onClick={onSignOut}>
              Sign out
            </button>
          </p>
        </div>
        <div className="label-progress" data-testid="label-progress" data-done={done} data-queued={queued}>
          <progress max={Math.max(queued, 1)} value={done} aria-label="Labeled of queued" />
          <span className="small num">
            {done} / {queued} labeled
          </span>
        </div>
        {items === null ? (
          <p className="muted">Loading…</p>
        ) : current ? (
          <article className="label-item" data-testid="label-headline" data-id={current.id}>
            <p className="label-text">{current.title}</p>
            <p className="muted small">
              {current.source}
              {current.assets.length > 0 && ` · ${current.assets.join(', ')}`}
            </p>
            <Probabilities item={current} />
          </article>
        ) : (
          <div className="label-empty" data-testid="label-empty">
            <p>Nothing left to label{skipped.current.size > 0 ? ` (${skipped.current.size} skipped)` : ''}.</p>
            {skipped.current.size > 0 && (
              <button
                type="button"
                onClick={() => {
                  skipped.current.clear();
                  void load();
                }}
              >
                Show skipped again
              </button>
            )}
          </div>
        )}
        <div className="label-choices" role="group" aria-label="Label">
          {CHOICES.map((c) => (
            <button
              key={c}
              type="button"
              className={`label-choice choice-${c}`}
              disabled={!current || busy}
              onClick={() => void choose(c)}
              aria-keyshortcuts={SHORTCUTS[c].map((k) => KEY_NAMES[k] ?? k.toUpperCase()).join(' ')}
              data-testid={`label-${c}`}
            >
              <span>{c}</span>
              <span className="label-keys" aria-hidden="true">
                {SHORTCUTS[c].map((k) => (
                  <kbd key={k}>{KEY_NAMES[k] ?? k}</kbd>
                ))}
              </span>
            </button>
          ))}
        </div>
        <p className="muted small">Keys: 1 or n negative · 2 or u neutral · 3 or p positive · s or Space skip.</p>
        <p className="label-status small" role="status" aria-live="polite" data-testid="label-status">
          {status}
        </p>
      </section>

      <section className="card label-tools" aria-labelledby="label-tools-title">
        <h2 id="label-tools-title">Queue and files</h2>
        <button type="button" onClick={() => void sample()} data-testid="label-sample">
          Sample more headlines now
        </button>
        <h3 className="small">Export all labels</h3>
        <div className="label-row">
          <button type="button" onClick={() => void exportAs('csv')} data-testid="export-csv">
            CSV
          </button>
          <button type="button" onClick={() => void exportAs('jsonl')} data-testid="export-jsonl">
            JSONL
          </button>
          <button type="button" onClick={() => void exportAs('label-studio')} data-testid="export-label-studio">
            Label Studio
          </button>
        </div>
        <h3 className="small">Import labels</h3>
        <div className="label-row">
          <label htmlFor="import-format" className="small">
            Format
          </label>
          <select id="import-format" value={importFormat} onChange={(e) => setImportFormat(LabelFormat.safeParse(e.target.value).data ?? 'auto')}>
            <option value="auto">from the file name</option>
            <option value="csv">CSV</option>
            <option value="jsonl">JSONL</option>
            <option value="label-studio">Label Studio JSON</option>
          </select>
        </div>
        <label htmlFor="import-file" className="small">
          File (labels keep their annotator; rows without one are yours)
        </label>
        <input id="import-file" type="file" accept=".csv,.jsonl,.ndjson,.json,text/csv,application/json" onChange={(e) => void importFile(e)} data-testid="import-file" />
      </section>
    </div>
  );
}

export function LabelingView() {
  const [creds, setCreds] = useState<Partial<Credentials>>(loadCredentials);
  const [error, setError] = useState<string | null>(null);
  const signedIn = creds.token && creds.annotator ? { token: creds.token, annotator: creds.annotator } : null;

  return (
    <div className="page">
      <header className="masthead">
        <div className="masthead-text">
          <h1>Barometer · labeling</h1>
          <p className="subtitle">
            <a href="/">Back to the dashboard</a>
          </p>
        </div>
      </header>
      <main id="labeling">
        {signedIn ? (
          <Labeler
            creds={signedIn}
            onUnauthorized={(reason) => {
              saveCredentials({ token: undefined });
              setError(`Sign-in failed: ${reason}.`);
              setCreds((c) => ({ annotator: c.annotator }));
            }}
            onSignOut={() => {
              saveCredentials({ token: undefined });
              setError(null);
              setCreds((c) => ({ annotator: c.annotator }));
            }}
          />
        ) : (
          <SignIn
            initial={creds}
            error={error}
            onDone={(c) => {
              saveCredentials(c);
              setError(null);
              setCreds(c);
            }}
          />
        )}
      </main>
    </div>
  );
}
