import type { WazapinDelivery, WazapinKnownEventType, WazapinWebhooksApiService } from '../../lib/index.js';
import { signWazapinDelivery } from '../../lib/testing/index.js';
import type { CrmClient } from '../crm/crm.client.js';
import type { DeliveryJournal } from '../journal/delivery-journal.js';
import type { ProvisionedEndpoint } from '../environment/provision-endpoint.js';
import type { DayEventSource } from './day-event-source.js';
import type { DayOutcome } from './day-outcome.js';
import { type DeliveryTracker, succeeded } from './delivery-tracker.js';
import type { ScriptedStep } from './scripted-day.js';

/** The sample's handler class of each event type; `AuditHandler` sees them all. */
const HANDLER_OF: Record<WazapinKnownEventType, string> = {
  'message.new': 'MessagesHandler',
  'message.sent': 'MessagesHandler',
  'message.status_update': 'MessagesHandler',
  'conversation.updated': 'ConversationsHandler',
  'contact.updated': 'ContactsHandler',
  'template.status_update': 'TemplatesHandler',
};

/** What the player needs from the running app. */
export interface DayPlayerContext {
  api: WazapinWebhooksApiService;
  journal: DeliveryJournal;
  crm: CrmClient;
  source: DayEventSource;
  tracker: DeliveryTracker;
  /** The endpoint of each event type, with the secret its deliveries are signed with. */
  endpoints: ReadonlyMap<WazapinKnownEventType, ProvisionedEndpoint>;
  /** The app's own webhook URL, for the forged delivery. */
  webhookUrl: string;
}

const codes = (attempts: WazapinDelivery[]) => attempts.map((attempt) => attempt.response_status_code ?? 'no answer').join(' → ');
/** Classes that handled a delivery, the wildcard audit last. */
const handlerClasses = (journal: DeliveryJournal, id: string) =>
  [...new Set(journal.of(id).map((entry) => entry.handler))].sort((a, b) => Number(a === 'AuditHandler') - Number(b === 'AuditHandler'));

/**
 * Plays the day: each scripted event sent by the platform and handled, then the first one sent
 * again (a duplicate the module suppresses), then a signed delivery altered on the way (rejected).
 */
export class DayPlayer {
  private readonly outcomes: DayOutcome[] = [];

  constructor(private readonly context: DayPlayerContext) {}

  async play(steps: readonly ScriptedStep[]): Promise<DayOutcome[]> {
    const planned = this.context.source.plan(steps);
    for (const step of planned) {
      await this.playStep(step);
    }
    await this.resend(this.outcomes[0], planned[0].type);
    await this.tamper(planned.find((step) => step.type === 'template.status_update') ?? planned[planned.length - 1]);
    return this.outcomes;
  }

  private async playStep(step: ScriptedStep): Promise<void> {
    const { journal, source, tracker, crm } = this.context;
    console.log(`\n${String(this.outcomes.length + 1).padStart(2)}. ${step.title} (${step.type})`);
    if (step.crmDown) {
      crm.failNextCalls(1);
    }
    const id = await source.send(step);
    const attempts = await tracker.waitFor(id, succeeded);
    const handledBy = handlerClasses(journal, id);
    const expected = [HANDLER_OF[step.type], 'AuditHandler'];
    let problem = expected.every((handler) => handledBy.includes(handler)) ? undefined : `expected ${expected.join(' and ')} to run`;
    if (step.crmDown) {
      const retried = attempts.length >= 2 && attempts[0].response_status_code === 500;
      const audits = journal.of(id).filter((entry) => entry.handler === 'AuditHandler').length;
      console.log(`      Wazapin got ${codes(attempts)}: the handler failed, the delivery's claim was released, and the retry ran it`);
      console.log('      (AuditHandler had succeeded on the first attempt, so the retry did not run it again)');
      problem ??= retried ? undefined : `expected a 500 then a retry, got ${codes(attempts)}`;
      problem ??= audits === 1 ? undefined : `expected AuditHandler to run once, it ran ${audits} times`;
    }
    this.outcomes.push({ step: this.outcomes.length + 1, event: step.type, deliveryId: id, answers: codes(attempts), handledBy, problem });
  }

  /** Wazapin resends a delivery that was handled already: answered 200, handlers not run. */
  private async resend(first: DayOutcome, type: WazapinKnownEventType): Promise<void> {
    const { api, journal, tracker, endpoints } = this.context;
    console.log(`\n${String(this.outcomes.length + 1).padStart(2)}. Wazapin sends step ${first.step}'s delivery again (${first.event}, same delivery id)`);
    const handledBefore = journal.of(first.deliveryId).length;
    const before = (await tracker.attempts(first.deliveryId)).length;
    await api.retryDelivery(first.deliveryId, { endpoint_id: endpoints.get(type)!.id });
    const attempts = await tracker.waitFor(first.deliveryId, (list) => list.length > before && succeeded(list.slice(before)));
    const resent = attempts[attempts.length - 1];
    const rerun = journal.of(first.deliveryId).length > handledBefore;
    const duplicate = typeof resent.response === 'string' && resent.response.includes('"duplicate":true');
    console.log(`      answered ${resent.response_status_code ?? 'nothing'} ${resent.response ?? ''}; ${rerun ? 'handlers ran AGAIN' : 'duplicate suppressed, no handler ran'}`);
    this.outcomes.push({
      step: this.outcomes.length + 1,
      event: `${first.event} (resent)`,
      deliveryId: first.deliveryId,
      answers: `${resent.response_status_code ?? 'no answer'}${duplicate ? ' duplicate' : ''}`,
      handledBy: [],
      problem: !rerun && duplicate ? undefined : 'expected the duplicate to be suppressed',
    });
  }

  /** A delivery signed with the real secret, then altered in transit: answered 401. */
  private async tamper(step: ScriptedStep): Promise<void> {
    const { journal, webhookUrl, endpoints } = this.context;
    const forged = { ...step.payload, status: 'rejected', reason: 'forged' };
    console.log(`\n${String(this.outcomes.length + 1).padStart(2)}. Someone alters a signed ${step.type} on the way (status → "rejected")`);
    const signed = signWazapinDelivery({ secret: endpoints.get(step.type)!.secret, body: step.payload });
    const response = await fetch(`${webhookUrl}/${step.type}`, { method: 'POST', headers: signed.headers, body: JSON.stringify(forged) });
    const answer = (await response.json()) as { message?: string };
    const handled = journal.of(signed.id).length > 0;
    console.log(`      answered ${response.status} "${answer.message ?? ''}"; ${handled ? 'a handler RAN' : 'rejected, no handler ran'}`);
    this.outcomes.push({
      step: this.outcomes.length + 1,
      event: `${step.type} (tampered)`,
      deliveryId: signed.id,
      answers: String(response.status),
      handledBy: [],
      problem: response.status === 401 && !handled ? undefined : `expected 401 and no handler, got ${response.status}`,
    });
  }
}
