/** Prints a progress line on stderr, so stdout keeps only the final table. */
export function progress(line: string): void {
  process.stderr.write(`  ${line}\n`);
}
