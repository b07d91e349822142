// The public surface of `nestjs-wazapin-webhooks/testing`: every name here is documented in
// README.md and tagged `@publicApi` where it is declared (test/unit/public-surface.spec.ts
// holds both to it).

// A test app with the module booted, and deliveries to it
export { createWazapinTestingModule } from './create-wazapin-testing-module.js';
export type { WazapinProviderOverride, WazapinTestingModuleOptions } from './create-wazapin-testing-module.js';
export { WazapinTestingApp } from './wazapin-testing-app.js';
export type { WazapinTestDeliveryOptions } from './wazapin-testing-app.js';

// Signed deliveries to an app booted any other way
export { deliverWazapinEvent } from './deliver-wazapin-event.js';
export type {
  DeliverWazapinEventInput,
  WazapinDeliveryOptions,
  WazapinDeliveryResult,
  WazapinDeliveryShape,
} from './deliver-wazapin-event.js';
export { generateWazapinSecret, signWazapinDelivery } from './sign-wazapin-delivery.js';
export type { SignedWazapinDelivery, SignWazapinDeliveryInput } from './sign-wazapin-delivery.js';
export { sampleWazapinPayload } from './sample-wazapin-payload.js';
export type { WazapinPayloadOverrides } from './sample-wazapin-payload.js';

// The emulator: a local Wazapin API that delivers signed events
export { WazapinEmulator } from './emulator/wazapin-emulator.js';
export type { WazapinEmulatorEndpoint } from './emulator/wazapin-emulator-endpoint.interface.js';
export type {
  WazapinEmulatorDeliveryFilter,
  WazapinEmulatorFault,
  WazapinEmulatorOptions,
  WazapinEmulatorPagination,
  WazapinEmulatorRequest,
  WazapinPublishOptions,
  WazapinPublishResult,
  WazapinRequestFailure,
} from './emulator/wazapin-emulator-options.interface.js';
