import type { DayOutcome } from './day-outcome.js';

const HEADERS = ['#', 'event', 'delivery', 'answers', 'handled by'];

/** The day as a table, then one line of totals. */
export function summaryTable(outcomes: readonly DayOutcome[]): string {
  const rows = outcomes.map((outcome) => [
    String(outcome.step),
    outcome.event,
    outcome.deliveryId,
    outcome.answers,
    outcome.handledBy.length > 0 ? outcome.handledBy.join(', ') : '(none)',
  ]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => `  ${cells.map((cell, column) => cell.padEnd(widths[column])).join('  ')}`.trimEnd();
  const handled = outcomes.filter((outcome) => outcome.handledBy.length > 0).length;
  const retried = outcomes.filter((outcome) => outcome.answers.startsWith('500')).length;
  const duplicates = outcomes.filter((outcome) => outcome.answers.endsWith('duplicate')).length;
  const rejected = outcomes.filter((outcome) => outcome.answers === '401').length;
  return [
    line(HEADERS),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `  ${handled} events handled (${retried} after a retry), ${duplicates} duplicate suppressed, ${rejected} tampered delivery rejected.`,
  ].join('\n');
}
