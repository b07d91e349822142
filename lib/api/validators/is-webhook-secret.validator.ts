import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';
import { decodeWebhookSecrets } from '../../signature/webhook-secret.js';

/** True for one signing secret the receiver would accept: `whsec_` and base64 of 24 to 64 bytes. */
export function isWazapinWebhookSecret(value: unknown): boolean {
  if (typeof value !== 'string' || !value.startsWith('whsec_') || /[\s,]/.test(value)) {
    return false;
  }
  try {
    decodeWebhookSecrets(value);
    return true;
  } catch {
    return false;
  }
}

/** The property is a signing secret; the message never repeats its value. */
export function IsWazapinWebhookSecret(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWazapinWebhookSecret',
      validator: {
        validate: isWazapinWebhookSecret,
        defaultMessage: buildMessage((each) => `${each}$property must be a signing secret: "whsec_" and base64 of 24 to 64 bytes`, options),
      },
    },
    options,
  );
}
