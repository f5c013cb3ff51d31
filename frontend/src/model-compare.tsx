// "Compare models": the 24 h index of the selected asset under another model version (a shadow
// candidate or a backfill, GET /api/v1/models) beside the live one, from the same rows by version.
import { ModelVersionsResponse, SentimentValue, type AssetSymbol } from '@barometer/schemas/api';
import { useEffect, useId, useState } from 'react';
import { getJson, isAbort, type ApiResult } from './api-client.ts';
import { formatPoints } from './sentiment-class.ts';

export interface ModelCompareProps {
  asset: AssetSymbol | null;
  /** The live 24 h value shown by the gauge, to compare against. */
  live: SentimentValue | null;
}

export function ModelCompare({ asset, live }: ModelCompareProps) {
  const selectId = useId();
  const [versions, setVersions] = useState<ApiResult<ModelVersionsResponse> | null>(null);
  const [chosen, setChosen] = useState<string>('');
  const [other, setOther] = useState<ApiResult<SentimentValue> | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    getJson('/api/v1/models', {}, ModelVersionsResponse, abort.signal).then(setVersions, (err: unknown) => {
      if (!isAbort(err)) setVersions({ ok: false, reason: 'failed' });
    });
    return () => abort.abort();
  }, []);

  useEffect(() => {
    if (!chosen) return setOther(null);
    const abort = new AbortController();
    setOther(null);
    getJson('/api/v1/sentiment', { window: '24h', asset, model_version: chosen }, SentimentValue, abort.signal).then(setOther, (err: unknown) => {
      if (!isAbort(err)) setOther({ ok: false, reason: 'failed' });
    });
    return () => abort.abort();
  }, [chosen, asset, live?.as_of]);

  if (versions === null) return <p className="muted" data-testid="model-compare" data-state="loading">Loading…</p>;
  if (!versions.ok) return <p className="muted" data-testid="model-compare" data-state="unavailable">Unavailable ({versions.reason}).</p>;
  const list = versions.data.versions;
  return (
    <div data-testid="model-compare" data-state="ready">
      <label htmlFor={selectId}>Index under model version</label>{' '}
      <select id={selectId} className="model-select" value={chosen} onChange={(e) => setChosen(e.target.value)} data-testid="model-select">
        <option value="">choose…</option>
        {list.map((v) => (
          <option key={`${v.model_version}:${v.shadow}`} value={v.model_version}>
            {v.model_version}
            {v.shadow ? ' (shadow)' : ''} · {v.rows} rows
          </option>
        ))}
      </select>
      {chosen && other?.ok === true && (
        <p data-testid="model-compare-result" data-index={other.data.index ?? ''}>
          24 h index <strong className="num">{other.data.index ?? '–'}</strong> from {other.data.n} items
          {live?.index != null && other.data.index !== null && (
            <>
              {' '}
              vs <span className="num">{live.index}</span> live ({formatPoints(other.data.index - live.index)} points)
            </>
          )}
          .
        </p>
      )}
      {chosen && other?.ok === false && <p className="muted">Unavailable ({other.reason}).</p>}
    </div>
  );
}
