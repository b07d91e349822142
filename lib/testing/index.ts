export * from './sign-wazapin-delivery.js';
