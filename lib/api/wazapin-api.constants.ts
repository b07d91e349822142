/** Injection token of the `api` options `WazapinWebhooksApiService` is built with. */
export const WAZAPIN_API_OPTIONS = Symbol('WAZAPIN_API_OPTIONS');

/** Path of the webhooks settings resource, below the API's base URL. */
export const WAZAPIN_WEBHOOKS_API_PATH = '/v1/settings/developer/webhooks';
