import { UnqueueableDeliveryLog } from '../../lib/queue/unqueueable-delivery-log.js';
import { RecordingLogger } from '../support/webhook-app.js';

describe('UnqueueableDeliveryLog', () => {
  it('warns at most once a minute, counting the deliveries refused without a line since the last', () => {
    const logger = new RecordingLogger();
    let now = 1_000_000;
    const log = new UnqueueableDeliveryLog(logger, () => now);

    log.refused('msg_1', 'too deep');
    now += 59_999;
    log.refused('msg_2', 'too deep');
    log.refused('msg_3', 'too deep');
    now += 1;
    log.refused('msg_4\u2028forged line', 'too deep');
    now += 60_000;
    log.refused('msg_5', 'too deep');

    expect(logger.lines).toEqual([
      { level: 'warn', message: 'Webhook delivery msg_1 cannot be queued, answered 422: too deep' },
      { level: 'warn', message: 'Webhook delivery msg_4\\u2028forged line cannot be queued, answered 422: too deep; 2 more refused since the last such warning' },
      { level: 'warn', message: 'Webhook delivery msg_5 cannot be queued, answered 422: too deep' },
    ]);
  });
});
