export * from './sign-wazapin-delivery.js';
export * from './create-wazapin-testing-module.js';
export * from './deliver-wazapin-event.js';
export * from './sample-wazapin-payload.js';
export * from './wazapin-testing-app.js';
export * from './emulator/index.js';
