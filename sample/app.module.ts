import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { wazapinApiOptionsFromEnv, WazapinWebhooksModule } from '../lib/index.js';
import { CrmClient } from './crm/crm.client.js';
import { AuditHandler } from './handlers/audit.handler.js';
import { ContactsHandler } from './handlers/contacts.handler.js';
import { ConversationsHandler } from './handlers/conversations.handler.js';
import { MessagesHandler } from './handlers/messages.handler.js';
import { TemplatesHandler } from './handlers/templates.handler.js';
import { DeliveryJournal } from './journal/delivery-journal.js';

/**
 * The sample app: the module configured from the environment (WAZAPIN_WEBHOOK_SECRET,
 * WAZAPIN_API_KEY, WAZAPIN_API_BASE_URL, WAZAPIN_ORG_SLUG), and a handler per catalogued event.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    WazapinWebhooksModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        secrets: config.getOrThrow<string>('WAZAPIN_WEBHOOK_SECRET'),
        // Handlers run before the answer, so a failing one answers 500 and Wazapin retries it.
        dispatch: 'inline',
        api: wazapinApiOptionsFromEnv(config),
      }),
    }),
  ],
  providers: [DeliveryJournal, CrmClient, MessagesHandler, ConversationsHandler, ContactsHandler, TemplatesHandler, AuditHandler],
})
export class AppModule {}
