// The semicircle gauge of the 0–100 index with its class, the 95 % band drawn on the dial, and beneath
// it the item count, the band, the 20-day baseline and yesterday / last week / last month.
import type { SentimentValue } from '@barometer/schemas/api';
import type { SentimentSnapshot } from '@barometer/schemas/socket';
import { useId } from 'react';
import { formatClockSeconds, formatFull } from './local-time.ts';
import { classify, formatPoints } from './sentiment-class.ts';

const CX = 100;
const CY = 100;
const R = 80;
/** The track, left (index 0) to right (index 100) over the top. */
const ARC = `M ${CX - R} ${CY} A ${R} ${R} 0 0 1 ${CX + R} ${CY}`;

/** The point of the dial at an index: 0 at the left end, 100 at the right, over the top. */
function dialPoint(index: number, radius = R): { x: number; y: number } {
  const angle = Math.PI * (1 - index / 100);
  return { x: CX + radius * Math.cos(angle), y: CY - radius * Math.sin(angle) };
}

/** The arc of the dial between two indexes, for the confidence band. */
function bandArc(low: number, high: number): string {
  const a = dialPoint(low);
  const b = dialPoint(high);
  return `M ${a.x.toFixed(2)} ${a.y.toFixed(2)} A ${R} ${R} 0 0 1 ${b.x.toFixed(2)} ${b.y.toFixed(2)}`;
}

function formatScore(value: number): string {
  const fixed = value.toFixed(3);
  return value > 0 ? `+${fixed}` : fixed;
}

type Compare = NonNullable<SentimentSnapshot['compare']>;

const COMPARE_LABELS: readonly [keyof Compare, string][] = [
  ['yesterday', 'Yesterday'],
  ['last_week', 'Last week'],
  ['last_month', 'Last month'],
];

function CompareCell({ label, then, now }: { label: string; then: SentimentValue | undefined; now: number | null }) {
  const index = then?.index ?? null;
  const delta = index !== null && now !== null ? now - index : null;
  return (
    <div data-testid={`compare-${label.toLowerCase().replace(' ', '-')}`}>
      <dt>{label}</dt>
      <dd className="num">
        {index === null ? (
          '–'
        ) : (
          <>
            <span className={`tone-${classify(index).tone}`} title={classify(index).words}>
              {index}
            </span>
            {delta !== null && <span className="delta"> ({formatPoints(delta)} since)</span>}
          </>
        )}
      </dd>
    </div>
  );
}

export interface SentimentGaugeProps {
  value: SentimentValue | null;
  compare: SentimentSnapshot['compare'];
  /** What the gauge is about, for its accessible name: `all assets` or `BTC`. */
  subject: string;
  status: 'loading' | 'ready' | 'partial' | 'unavailable';
}

export function SentimentGauge({ value, compare, subject, status }: SentimentGaugeProps) {
  const gradientId = useId();
  const index = value?.index ?? null;
  const description = index === null ? null : classify(index);
  const band = value?.band ?? null;
  // No value yet means no snapshot yet; a value with a null index is a window without items.
  const words =
    description?.words ?? (status === 'unavailable' ? 'unavailable' : value === null ? 'waiting for data…' : 'no items yet');

  return (
    <div className="gauge" data-testid="gauge" data-index={index ?? ''} data-tone={description?.tone ?? ''} data-n={value?.n ?? ''} data-value={value?.value ?? ''}>
      <svg
        className="gauge-dial"
        viewBox="0 0 200 112"
        role="img"
        aria-label={
          index === null
            ? `Sentiment index for ${subject}: ${words}`
            : `Sentiment index for ${subject}: ${index} of 100, ${words}` + (band ? `, 95 % range ${band.index_low} to ${band.index_high}` : '')
        }
      >
        <defs>
          <linearGradient id={gradientId} gradientUnits="userSpaceOnUse" x1={CX - R} y1="0" x2={CX + R} y2="0">
            <stop offset="0%" stopColor="var(--negative)" />
            <stop offset="50%" stopColor="var(--neutral)" />
            <stop offset="100%" stopColor="var(--positive)" />
          </linearGradient>
        </defs>
        <path className="gauge-track" d={ARC} />
        <path className="gauge-scale" d={ARC} stroke={`url(#${gradientId})`} opacity={index === null ? 0.25 : 1} />
        {band && band.index_high - band.index_low >= 2 && <path className="gauge-band" d={bandArc(band.index_low, band.index_high)} />}
        {index !== null && (
          // The knob sits at index 0 (the left end) and turns clockwise 1.8° per index point.
          <g className="gauge-knob" style={{ transform: `rotate(${index * 1.8}deg)` }}>
            <circle cx={CX - R} cy={CY} r="9" />
          </g>
        )}
        <text className="gauge-index" data-testid="gauge-index" x={CX} y={CY - 14} textAnchor="middle">
          {index ?? '—'}
        </text>
        <text className="gauge-words" x={CX} y={CY + 6} textAnchor="middle">
          {words}
        </text>
      </svg>

      <dl className="gauge-facts">
        <div>
          <dt>Items (24 h)</dt>
          <dd className="num" data-testid="gauge-n">
            {value?.n ?? '–'}
          </dd>
        </div>
        <div>
          <dt>95 % range</dt>
          <dd className="num" data-testid="gauge-band" title="Confidence interval of the index: mean ± 1.96 standard errors">
            {band ? `${band.index_low}–${band.index_high}` : '–'}
          </dd>
        </div>
        <div>
          <dt>Mean score</dt>
          <dd className="num">{value?.value == null ? '–' : formatScore(value.value)}</dd>
        </div>
        <div>
          <dt>vs 20-day</dt>
          <dd className="num" title="This window's index minus the same filter's 20-day average">
            {value?.baseline?.delta == null ? '–' : formatPoints(value.baseline.delta * 50)}
          </dd>
        </div>
        <div>
          <dt>As of</dt>
          <dd className="num">
            {value ? (
              <time dateTime={value.as_of} title={formatFull(value.as_of)}>
                {formatClockSeconds(value.as_of)}
              </time>
            ) : (
              '–'
            )}
          </dd>
        </div>
      </dl>

      <dl className="gauge-compare" data-testid="compare">
        {COMPARE_LABELS.map(([key, label]) => (
          <CompareCell key={key} label={label} then={compare?.[key]} now={index} />
        ))}
      </dl>
    </div>
  );
}
