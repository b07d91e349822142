/** Exit codes of `wazapin-webhooks`, as most Unix tools use them. */
export const CliExitCode = {
  /** The command did what it was asked and the outcome is good. */
  Ok: 0,
  /** The command ran, and the outcome is bad: a non-2xx answer, a delivery that does not verify. */
  Failed: 1,
  /** The command line or an input file is wrong; nothing was done. */
  Usage: 2,
} as const;
