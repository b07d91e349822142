export type * from './wazapin-emulator-options.interface.js';
export * from './wazapin-emulator.js';
export * from './wazapin-retry-schedule.js';
