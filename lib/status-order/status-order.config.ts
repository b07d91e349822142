import type { WazapinStatusOrder } from '../interfaces/wazapin-webhooks-options.interface.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';

/** The ranks `statusRanks` defaults to. */
export const DEFAULT_STATUS_RANKS: Readonly<Record<string, number>> = Object.freeze({ sent: 1, delivered: 2, read: 3, failed: 2 });

const MODES: readonly WazapinStatusOrder[] = ['flag', 'drop'];

/** `statusOrder` with its ranks, checked. */
export interface ResolvedStatusOrderOptions {
  readonly mode: WazapinStatusOrder;
  readonly ranks: ReadonlyMap<string, number>;
  /** How long a message's status lease lasts: past its handlers' time limit. */
  readonly leaseSeconds: number;
}

/** `undefined` without `statusOrder`; ranks given without it are a mistake, said at boot. */
export function resolveStatusOrder(
  mode: WazapinStatusOrder | undefined,
  ranks: Readonly<Record<string, number>> | undefined,
  leaseSeconds: number,
): ResolvedStatusOrderOptions | undefined {
  if (mode === undefined) {
    if (ranks !== undefined) {
      throw new WazapinConfigurationError("WazapinWebhooksModule: statusRanks is set but statusOrder is not; set statusOrder: 'flag' or 'drop'");
    }
    return undefined;
  }
  if (!MODES.includes(mode)) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: statusOrder must be 'flag' or 'drop', got "${String(mode)}"`);
  }
  const plain = (value: object) => [Object.prototype, null].includes(Object.getPrototypeOf(value));
  if (ranks !== undefined && (typeof ranks !== 'object' || ranks === null || !plain(ranks) || Object.keys(ranks).length === 0)) {
    throw new WazapinConfigurationError(
      'WazapinWebhooksModule: statusRanks must be a plain object of status to rank with one status at least, such as { sent: 1, delivered: 2 }',
    );
  }
  const entries = Object.entries(ranks ?? DEFAULT_STATUS_RANKS);
  for (const [status, rank] of entries) {
    if (typeof rank !== 'number' || !Number.isFinite(rank)) {
      const shown = typeof rank === 'number' ? String(rank) : `${typeof rank === 'object' && rank !== null ? 'an object' : `a ${typeof rank}`}`;
      throw new WazapinConfigurationError(`WazapinWebhooksModule: statusRanks.${status} must be a finite number, got ${shown}`);
    }
  }
  return Object.freeze({ mode, ranks: new Map(entries), leaseSeconds });
}
