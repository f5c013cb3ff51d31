// Formats UTC instants for people: always in the viewer's own time zone and locale, via Intl.
import { TickMarkType } from 'lightweight-charts';

/** The IANA zone every time on the page is shown in, e.g. `Europe/Paris`. */
export const viewerTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const hourMinute = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const hourMinuteSecond = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const dayMonthTime = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  hour: 'numeric',
  minute: '2-digit',
});
const monthOnly = new Intl.DateTimeFormat(undefined, { month: 'short' });
const yearOnly = new Intl.DateTimeFormat(undefined, { year: 'numeric' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

function isSameLocalDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * Labels for the chart's time axis. The chart picks tick positions; this only renders them locally.
 * https://tradingview.github.io/lightweight-charts/tutorials/customization/time-zones
 */
export function formatTickMark(unixSeconds: number, type: TickMarkType): string {
  const date = new Date(unixSeconds * 1000);
  switch (type) {
    case TickMarkType.Year:
      return yearOnly.format(date);
    case TickMarkType.Month:
      return monthOnly.format(date);
    case TickMarkType.DayOfMonth:
      return dayMonth.format(date);
    case TickMarkType.TimeWithSeconds:
      return hourMinuteSecond.format(date);
    case TickMarkType.Time:
      return hourMinute.format(date);
  }
}

/** The crosshair label: day and minute. */
export function formatCrosshairTime(unixSeconds: number): string {
  return dayMonthTime.format(new Date(unixSeconds * 1000));
}

/** A compact clock time, with the day when it is not today: `14:03` or `3 Mar, 14:03`. */
export function formatClock(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  return isSameLocalDay(date, now) ? hourMinute.format(date) : dayMonthTime.format(date);
}

/** Clock time with seconds, for "as of" stamps. */
export function formatClockSeconds(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  return isSameLocalDay(date, now) ? hourMinuteSecond.format(date) : dayMonthTime.format(date);
}

/** Date, time and zone name, for tooltips. */
export function formatFull(iso: string): string {
  return full.format(new Date(iso));
}

/** "now", "5 min. ago", "3 hr. ago", "yesterday"… Future instants (clock skew) read as now. */
export function formatRelative(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return relative.format(0, 'second');
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return relative.format(-minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return relative.format(-hours, 'hour');
  return relative.format(-Math.floor(hours / 24), 'day');
}
