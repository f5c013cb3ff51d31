// The semicircle gauge of the 0–100 index, with the mean score, item count and "as of" time beneath.
import type { SentimentValue } from '@barometer/schemas/api';
import { useId } from 'react';
import { formatClockSeconds, formatFull } from './local-time.ts';

const CX = 100;
const CY = 100;
const R = 80;
/** The track, left (index 0) to right (index 100) over the top. */
const ARC = `M ${CX - R} ${CY} A ${R} ${R} 0 0 1 ${CX + R} ${CY}`;

type Band = 'negative' | 'neutral' | 'positive';

/** Words for the index; the middle fifth reads as neutral. */
function describe(index: number): { band: Band; words: string } {
  if (index < 20) return { band: 'negative', words: 'Very negative' };
  if (index < 40) return { band: 'negative', words: 'Negative' };
  if (index <= 60) return { band: 'neutral', words: 'Neutral' };
  if (index <= 80) return { band: 'positive', words: 'Positive' };
  return { band: 'positive', words: 'Very positive' };
}

function formatScore(value: number): string {
  const fixed = value.toFixed(3);
  return value > 0 ? `+${fixed}` : fixed;
}

export function SentimentGauge({ value }: { value: SentimentValue | null }) {
  const gradientId = useId();
  const index = value?.index ?? null;
  const description = index === null ? null : describe(index);
  // No value yet means no snapshot yet; a value with a null index is a window without items.
  const words = description?.words ?? (value === null ? 'waiting for data…' : 'no items yet');

  return (
    <div
      className="gauge"
      data-testid="gauge"
      data-index={index ?? ''}
      data-band={description?.band ?? ''}
    >
      <svg
        className="gauge-dial"
        viewBox="0 0 200 112"
        role="img"
        aria-label={index === null ? `Sentiment index: ${words}` : `Sentiment index ${index} of 100, ${words}`}
      >
        <defs>
          <linearGradient id={gradientId} gradientUnits="userSpaceOnUse" x1={CX - R} y1="0" x2={CX + R} y2="0">
            <stop offset="0%" stopColor="var(--negative)" />
            <stop offset="50%" stopColor="var(--neutral)" />
            <stop offset="100%" stopColor="var(--positive)" />
          </linearGradient>
        </defs>
        <path className="gauge-track" d={ARC} />
        <path
          className="gauge-scale"
          d={ARC}
          stroke={`url(#${gradientId})`}
          opacity={index === null ? 0.25 : 1}
        />
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
          <dt>Mean score</dt>
          <dd className="num">{value?.value == null ? '–' : formatScore(value.value)}</dd>
        </div>
        <div>
          <dt>Items</dt>
          <dd className="num" data-testid="gauge-n">
            {value?.n ?? 0}
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
    </div>
  );
}
