/** `1024` -> `1 KiB`, `256` -> `256 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    return `${bytes / (1024 * 1024)} MiB`;
  }
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** Nanoseconds as µs or ms with three significant digits. */
export function formatDuration(ns: number): string {
  if (ns >= 1e6) {
    return `${(ns / 1e6).toPrecision(3)} ms`;
  }
  return `${(ns / 1e3).toPrecision(3)} µs`;
}

/** A rate: `1114000` -> `1.11 M`, `11530` -> `11.5 k`. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) {
    return `${(perSecond / 1e6).toPrecision(3)} M`;
  }
  return perSecond >= 1e4 ? `${(perSecond / 1e3).toPrecision(3)} k` : String(Math.round(perSecond));
}

/** A ratio with two decimals. */
export function formatRatio(ratio: number): string {
  return ratio.toFixed(2);
}

/** Rows padded into columns, the first row a header, separated by two spaces. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** Rows as a Markdown table, the first row a header. */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  const line = (row: readonly string[]) => `| ${row.join(' | ')} |`;
  return [line(rows[0]), line(rows[0].map(() => '---')), ...rows.slice(1).map(line)].join('\n');
}
