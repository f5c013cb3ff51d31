// The rolling index over 24 h, 7 d or 30 d, with its confidence band and an optional volume histogram.
// React renders only the container: the chart is created once and removed in cleanup; each selection
// (asset, span, connection) loads its history once with setData, then each tick is applied with update.
import { HistoryResponse, RESOLUTION_SECONDS, type AssetSymbol, type SentimentPoint } from '@barometer/schemas/api';
import {
  ColorType,
  createChart,
  HistogramSeries,
  isUTCTimestamp,
  LineSeries,
  LineStyle,
  type AutoscaleInfo,
  type ChartOptions,
  type DeepPartial,
  type HistogramData,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type SeriesOptionsCommon,
  type LineData,
  type Time,
  type TickMarkType,
  type UTCTimestamp,
  type WhitespaceData,
} from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';
import { getJson, isAbort } from './api-client.ts';
import type { ChartSpan } from './assets.ts';
import { BandSeries, type BandData, type BandSeriesOptions } from './band-series.ts';
import { formatCrosshairTime, formatTickMark } from './local-time.ts';
import type { SeriesFeed } from './series-feed.ts';
import { toIndexExact } from './sentiment-class.ts';
import type { ResolvedTheme } from './use-theme.ts';

/** A rolling mean barely moves minute to minute; without a floor on the span, autoscale turns ±0.2 into full-height swings. */
const MIN_VISIBLE_SPAN = 10;

function withMinimumSpan(info: AutoscaleInfo | null): AutoscaleInfo | null {
  if (!info?.priceRange) return info;
  const { minValue, maxValue } = info.priceRange;
  if (maxValue - minValue >= MIN_VISIBLE_SPAN) return info;
  const low = Math.max(0, Math.min((minValue + maxValue) / 2 - MIN_VISIBLE_SPAN / 2, 100 - MIN_VISIBLE_SPAN));
  return { ...info, priceRange: { minValue: low, maxValue: low + MIN_VISIBLE_SPAN } };
}

interface ChartColors {
  text: string;
  grid: string;
  line: string;
  band: string;
  volume: string;
  neutral: string;
  font: string;
}

/** Colours come from the CSS custom properties, so the chart follows the page's theme. */
function readColors(el: HTMLElement): ChartColors {
  const style = getComputedStyle(el);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    text: read('--muted'),
    grid: read('--grid'),
    line: read('--accent'),
    band: read('--band'),
    volume: read('--volume'),
    neutral: read('--neutral'),
    font: style.fontFamily,
  };
}

function colorOptions(colors: ChartColors): DeepPartial<ChartOptions> {
  return {
    layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: colors.text, fontFamily: colors.font },
    grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } },
  };
}

interface ChartParts {
  chart: IChartApi;
  line: ISeriesApi<'Line'>;
  band: ISeriesApi<'Custom', Time, BandData | WhitespaceData<Time>, BandSeriesOptions, DeepPartial<BandSeriesOptions & SeriesOptionsCommon>>;
  volume: ISeriesApi<'Histogram'>;
  neutral: IPriceLine;
  el: HTMLDivElement;
}

/** One point, bucketed to the resolution's step, as the three series' rows. */
function rowsOf(point: SentimentPoint, time: UTCTimestamp) {
  const line: LineData<UTCTimestamp> = { time, value: toIndexExact(point.value) };
  const band: BandData | WhitespaceData<UTCTimestamp> =
    point.low != null && point.high != null ? { time, low: toIndexExact(point.low), high: toIndexExact(point.high) } : { time };
  // The bar is the items of this step alone (step_n), not the window's count; a point without it
  // (a tick built from the current value) leaves the bar as it is.
  const volume: HistogramData<UTCTimestamp> | null = point.step_n === undefined ? null : { time, value: point.step_n };
  return { line, band, volume };
}

type HistoryStatus = 'loading' | 'ready' | 'fallback' | 'unavailable';

const STATUS_WORDS: Record<HistoryStatus, string | null> = {
  loading: 'Loading history…',
  ready: null,
  fallback: null,
  unavailable: 'History unavailable',
};

export interface SentimentChartProps {
  asset: AssetSymbol | null;
  span: ChartSpan;
  feed: SeriesFeed;
  /** Bumped on every socket (re)connect: history is reloaded, since ticks may have been missed meanwhile. */
  epoch: number;
  theme: ResolvedTheme;
  showVolume: boolean;
}

export function SentimentChart({ asset, span, feed, epoch, theme, showVolume }: SentimentChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [parts, setParts] = useState<ChartParts | null>(null);
  const [status, setStatus] = useState<HistoryStatus>('loading');
  const [empty, setEmpty] = useState(true);

  // The chart itself: created once, removed on unmount.
  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const colors = readColors(el);
    const chart = createChart(el, {
      ...colorOptions(colors),
      autoSize: true,
      rightPriceScale: { borderVisible: false, scaleMargins: { top: 0.1, bottom: 0.25 } },
      timeScale: {
        borderVisible: false,
        timeVisible: true,
        secondsVisible: false,
        // Lets a full day of minutes (1440 points) fit a phone-width chart; the default 0.5 px shows ~8 h.
        minBarSpacing: 0.1,
        // Data times are UTC seconds; labels are rendered in the viewer's zone.
        tickMarkFormatter: (time: Time, type: TickMarkType) => (isUTCTimestamp(time) ? formatTickMark(time, type) : null),
      },
      localization: { timeFormatter: (time: Time) => (isUTCTimestamp(time) ? formatCrosshairTime(time) : '') },
      // Leave vertical swipes to the page so the chart does not trap scrolling on phones.
      handleScroll: { vertTouchDrag: false },
    });
    // Volume on its own scale in the bottom fifth, under the line.
    const volume = chart.addSeries(HistogramSeries, {
      priceScaleId: 'volume',
      color: colors.volume,
      priceLineVisible: false,
      lastValueVisible: false,
      priceFormat: { type: 'volume' },
      visible: false,
    });
    chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const band = chart.addCustomSeries(new BandSeries(), {
      fillColor: colors.band,
      // The first series on the right scale sets its label format: the index, to one decimal.
      priceFormat: { type: 'price', precision: 1, minMove: 0.1 },
      priceLineVisible: false,
      lastValueVisible: false,
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => withMinimumSpan(original()),
    });
    const line = chart.addSeries(LineSeries, {
      color: colors.line,
      lineWidth: 2,
      priceFormat: { type: 'price', precision: 1, minMove: 0.1 },
      priceLineVisible: false,
      lastValueVisible: true,
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => withMinimumSpan(original()),
    });
    const neutral = line.createPriceLine({
      price: 50,
      color: colors.neutral,
      lineWidth: 1,
      lineStyle: LineStyle.Dashed,
      axisLabelVisible: false,
      title: 'neutral',
    });
    setParts({ chart, line, band, volume, neutral, el });
    return () => {
      setParts(null);
      chart.remove();
    };
  }, []);

  // Colours follow the theme, whether picked on the page or by the system.
  useEffect(() => {
    if (!parts) return;
    const apply = () => {
      const colors = readColors(parts.el);
      parts.chart.applyOptions(colorOptions(colors));
      parts.line.applyOptions({ color: colors.line });
      parts.band.applyOptions({ fillColor: colors.band });
      parts.volume.applyOptions({ color: colors.volume });
      parts.neutral.applyOptions({ color: colors.neutral });
    };
    apply();
    const scheme = window.matchMedia('(prefers-color-scheme: light)');
    scheme.addEventListener('change', apply);
    return () => scheme.removeEventListener('change', apply);
  }, [parts, theme]);

  useEffect(() => {
    parts?.volume.applyOptions({ visible: showVolume });
  }, [parts, showVolume]);

  // History once per selection, then ticks. Ticks that arrive while history loads are held and applied after it.
  useEffect(() => {
    if (!parts) return;
    const { chart, line, band, volume, el } = parts;
    const abort = new AbortController();
    const counts = { points: 0, updates: 0, lastTime: Number.NEGATIVE_INFINITY, lastValue: null as number | null, step: 60 };
    let pending: SentimentPoint[] | null = [];
    let followSnapshots = false;

    // Mirrored into data-* so a browser test can watch the chart move (a tick in the same step replaces a point).
    const show = (next: HistoryStatus) => {
      el.dataset.points = String(counts.points);
      el.dataset.updates = String(counts.updates);
      el.dataset.last = counts.lastValue === null ? '' : counts.lastValue.toFixed(2);
      setStatus(next);
      setEmpty(counts.points === 0);
      el.dataset.status = next;
    };

    const reset = (points: readonly SentimentPoint[], step: number, next: HistoryStatus) => {
      counts.step = step;
      const rows = points.map((p) => rowsOf(p, p.time as UTCTimestamp));
      line.setData(rows.map((r) => r.line));
      band.setData(rows.map((r) => r.band));
      volume.setData(rows.map((r) => r.volume ?? { time: r.line.time, value: 0 }));
      counts.points = rows.length;
      counts.lastTime = points.at(-1)?.time ?? Number.NEGATIVE_INFINITY;
      counts.lastValue = rows.at(-1)?.line.value ?? null;
      chart.timeScale().fitContent();
      show(next);
    };

    const apply = (point: SentimentPoint) => {
      // Ticks are per minute; on a coarser span the tick moves the current step's bar.
      const time = Math.max(Math.floor(point.time / counts.step) * counts.step, counts.lastTime) as UTCTimestamp;
      const rows = rowsOf(point, time);
      line.update(rows.line);
      band.update(rows.band);
      // A tick's step_n counts its minute; on a coarser span that is not the bar's whole step.
      if (rows.volume && counts.step === 60) volume.update(rows.volume);
      counts.updates += 1;
      counts.lastValue = rows.line.value;
      if (time > counts.lastTime) {
        counts.points += 1;
        counts.lastTime = time;
      }
      show(followSnapshots ? 'fallback' : 'ready');
    };

    const unsubscribe = feed.subscribe(asset, {
      reset(points) {
        if (followSnapshots) reset(points, 60, 'fallback');
      },
      update(point) {
        if (pending) pending.push(point);
        else apply(point);
      },
    });

    show('loading');
    getJson('/api/v1/sentiment/history', { window: '24h', span, asset }, HistoryResponse, abort.signal).then(
      (result) => {
        // A gateway that ignores `asset` would answer with another filter's numbers: not this chart's.
        if (result.ok && result.data.asset === asset) {
          reset(result.data.points, RESOLUTION_SECONDS[result.data.resolution], 'ready');
        } else if (span === '24h') {
          // The room's snapshot carries the last 24 h per minute: the same series, without the REST call.
          followSnapshots = true;
          reset(feed.snapshotSeries(asset), 60, 'fallback');
        } else {
          reset([], 60, 'unavailable');
          unsubscribe();
          return;
        }
        const held = pending ?? [];
        pending = null;
        for (const point of held) if (point.time >= counts.lastTime) apply(point);
      },
      (err: unknown) => {
        if (!isAbort(err)) console.warn('barometer: history failed', err);
      },
    );

    return () => {
      abort.abort();
      unsubscribe();
    };
  }, [parts, feed, asset, span, epoch]);

  const words = STATUS_WORDS[status] ?? (empty ? 'No data yet' : null);
  return (
    <div className="chart-frame">
      <div
        ref={containerRef}
        className="chart"
        data-testid="chart"
        role="img"
        aria-label={`Rolling 24 h sentiment index over the last ${span}, ${asset ?? 'all assets'}`}
      />
      {words && <p className="chart-status">{words}</p>}
    </div>
  );
}
