// "Try the model": score a sentence with the same model the pipeline uses, via POST /api/v1/score.
import { ScoreResponse, type ScoreRequest } from '@barometer/schemas/api';
import { useRef, useState, type FormEvent } from 'react';
import { isAbort, postJson, type ApiResult } from './api-client.ts';

const MAX_LENGTH = 1000;

function Bar({ name, p }: { name: 'negative' | 'neutral' | 'positive'; p: number }) {
  return (
    <div className={`score-bar prob-${name}`}>
      <span className="score-bar-name">{name}</span>
      <span className="score-bar-track" aria-hidden="true">
        <span className="score-bar-fill" style={{ width: `${(p * 100).toFixed(1)}%` }} />
      </span>
      <span className="num">{Math.round(p * 100)}%</span>
    </div>
  );
}

export function ScoreBox() {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ApiResult<ScoreResponse> | null>(null);
  const inFlight = useRef<AbortController | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = text.trim();
    if (!trimmed) return;
    inFlight.current?.abort();
    const abort = new AbortController();
    inFlight.current = abort;
    setBusy(true);
    const body: ScoreRequest = { texts: [trimmed] };
    postJson('/api/v1/score', body, ScoreResponse, abort.signal)
      .then(setResult, (err: unknown) => {
        if (!isAbort(err)) setResult({ ok: false, reason: 'failed' });
      })
      .finally(() => {
        if (inFlight.current === abort) setBusy(false);
      });
  };

  const scored = result?.ok ? result.data.results[0] : undefined;
  return (
    <form className="score-box" onSubmit={submit} data-testid="score-box">
      <label htmlFor="score-text">Type a headline</label>
      <textarea
        id="score-text"
        rows={2}
        maxLength={MAX_LENGTH}
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="e.g. Bitcoin rallies as ETF inflows hit a record"
      />
      <button type="submit" disabled={busy || text.trim() === ''}>
        {busy ? 'Scoring…' : 'Score'}
      </button>
      <div className="score-result" aria-live="polite" data-testid="score-result">
        {result && !result.ok && <p className="muted">Scoring unavailable ({result.reason}).</p>}
        {scored && result?.ok && (
          <div data-label={scored.label}>
            <p>
              <strong className={`tone-${scored.label}`}>{scored.label}</strong>{' '}
              <span className="muted small">
                score {scored.score.toFixed(2)} · model {result.data.model_version}
              </span>
            </p>
            <Bar name="negative" p={scored.negative} />
            <Bar name="neutral" p={scored.neutral} />
            <Bar name="positive" p={scored.positive} />
          </div>
        )}
      </div>
    </form>
  );
}
