// The rolling 24 h line: React renders only the container; the chart inside is created, fed
// (setData on each snapshot, update on each tick) and removed imperatively.
import type { SentimentPoint } from '@barometer/schemas/api';
import {
  ColorType,
  createChart,
  isUTCTimestamp,
  LineSeries,
  LineStyle,
  type AutoscaleInfo,
  type DeepPartial,
  type ChartOptions,
  type LineData,
  type Time,
  type TickMarkType,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import { formatCrosshairTime, formatTickMark } from './local-time.ts';
import type { SeriesFeed } from './series-feed.ts';

/** The chart plots the gauge's 0–100 scale, unrounded (`toIndex` rounds, which would flatten the line). */
function toLineData(point: SentimentPoint): LineData<UTCTimestamp> {
  return { time: point.time as UTCTimestamp, value: 50 * (point.value + 1) };
}

/** A rolling 24 h mean barely moves minute to minute; without a floor on the span, autoscale turns ±0.2 into full-height swings. */
const MIN_VISIBLE_SPAN = 10;

function withMinimumSpan(info: AutoscaleInfo | null): AutoscaleInfo | null {
  if (!info?.priceRange) return info;
  const { minValue, maxValue } = info.priceRange;
  if (maxValue - minValue >= MIN_VISIBLE_SPAN) return info;
  const low = Math.max(0, Math.min((minValue + maxValue) / 2 - MIN_VISIBLE_SPAN / 2, 100 - MIN_VISIBLE_SPAN));
  return { ...info, priceRange: { minValue: low, maxValue: low + MIN_VISIBLE_SPAN } };
}

interface ChartTheme {
  text: string;
  grid: string;
  line: string;
  neutral: string;
  font: string;
}

/** Colours come from the CSS custom properties, so the chart follows the page's light/dark scheme. */
function readTheme(el: HTMLElement): ChartTheme {
  const style = getComputedStyle(el);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    text: read('--muted'),
    grid: read('--grid'),
    line: read('--accent'),
    neutral: read('--neutral'),
    font: style.fontFamily,
  };
}

function themeOptions(theme: ChartTheme): DeepPartial<ChartOptions> {
  return {
    layout: {
      background: { type: ColorType.Solid, color: 'transparent' },
      textColor: theme.text,
      fontFamily: theme.font,
    },
    grid: { vertLines: { color: theme.grid }, horzLines: { color: theme.grid } },
  };
}

export function SentimentChart({ feed }: { feed: SeriesFeed }) {
  const containerRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const theme = readTheme(el);

    const chart = createChart(el, {
      ...themeOptions(theme),
      autoSize: true,
      rightPriceScale: { borderVisible: false, scaleMargins: { top: 0.15, bottom: 0.1 } },
      timeScale: {
        borderVisible: false,
        timeVisible: true,
        secondsVisible: false,
        // Lets a full day of minutes (1440 points) fit a phone-width chart; the default 0.5 px shows ~8 h.
        minBarSpacing: 0.1,
        // Data times are UTC seconds; labels are rendered in the viewer's zone.
        tickMarkFormatter: (time: Time, type: TickMarkType) => (isUTCTimestamp(time) ? formatTickMark(time, type) : null),
      },
      localization: {
        timeFormatter: (time: Time) => (isUTCTimestamp(time) ? formatCrosshairTime(time) : ''),
        priceFormatter: (price: number) => price.toFixed(1),
      },
      // Leave vertical swipes to the page so the chart does not trap scrolling on phones.
      handleScroll: { vertTouchDrag: false },
    });
    const series = chart.addSeries(LineSeries, {
      color: theme.line,
      lineWidth: 2,
      priceLineVisible: false,
      lastValueVisible: true,
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => withMinimumSpan(original()),
    });
    const neutralLine = series.createPriceLine({
      price: 50,
      color: theme.neutral,
      lineWidth: 1,
      lineStyle: LineStyle.Dashed,
      axisLabelVisible: false,
      title: 'neutral',
    });

    // How many points the series holds and how many live updates it took, mirrored into data-points
    // and data-updates so a browser test can watch it move (a tick in the same minute replaces a point).
    const points = { count: 0, lastTime: Number.NEGATIVE_INFINITY, updates: 0 };
    const showCount = () => {
      el.dataset.points = String(points.count);
      el.dataset.updates = String(points.updates);
    };
    showCount();

    const unsubscribe = feed.subscribe({
      reset(history) {
        series.setData(history.map(toLineData));
        points.count = history.length;
        points.lastTime = history.at(-1)?.time ?? Number.NEGATIVE_INFINITY;
        chart.timeScale().fitContent();
        showCount();
      },
      update(point) {
        series.update(toLineData(point));
        points.updates += 1;
        if (point.time > points.lastTime) {
          points.count += 1;
          points.lastTime = point.time;
        }
        showCount();
      },
    });

    const scheme = window.matchMedia('(prefers-color-scheme: light)');
    const onSchemeChange = () => {
      const next = readTheme(el);
      chart.applyOptions(themeOptions(next));
      series.applyOptions({ color: next.line });
      neutralLine.applyOptions({ color: next.neutral });
    };
    scheme.addEventListener('change', onSchemeChange);

    return () => {
      scheme.removeEventListener('change', onSchemeChange);
      unsubscribe();
      chart.remove();
    };
  }, [feed]);

  return <div ref={containerRef} className="chart" data-testid="chart" />;
}
