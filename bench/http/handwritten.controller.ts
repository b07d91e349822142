import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestException, Controller, HttpCode, Post, Req, type Type, UnauthorizedException } from '@nestjs/common';
import { Webhook } from 'svix';

/** Route of the hand-written receiver on Node's crypto. */
export const HANDWRITTEN_NATIVE_PATH = '/handwritten/native';
/** Route of the hand-written receiver on svix 1.x. */
export const HANDWRITTEN_SVIX_PATH = '/handwritten/svix';

const TOLERANCE_SECONDS = 300;

/** What both adapters' requests have when the app is created with `rawBody: true`. */
interface RawBodyRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawBody?: Buffer;
}

type Receipt = { received: true; duplicate?: true };

/** The app's handler: a no-op, as the module's bench handler is. */
function onStatusUpdate(_payload: unknown): void {}

function header(request: RawBodyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The routes a user would write by hand instead of the module, in the same Nest app, doing its
 * basic job and no more: verify the Standard Webhooks signature (401 otherwise), parse the body,
 * drop a delivery id seen before (a `Set`), run the handler on `setImmediate`, answer the receipt.
 * - `POST /handwritten/native`: `createHmac` + `timingSafeEqual` over `id.timestamp.body`
 *   against each `v1,` entry of `webhook-signature`, key decoded once here, timestamp within
 *   300 s either way, then `JSON.parse`;
 * - `POST /handwritten/svix`: svix 1.x `new Webhook(secret).verify(rawBody, headers)`, which
 *   checks the timestamp and returns the parsed body itself.
 */
export function handwrittenController(secret: string): Type<unknown> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const webhook = new Webhook(secret);
  const seenNative = new Set<string>();
  const seenSvix = new Set<string>();

  const accept = (seen: Set<string>, id: string, payload: unknown): Receipt => {
    if (seen.has(id)) {
      return { received: true, duplicate: true };
    }
    seen.add(id);
    setImmediate(() => onStatusUpdate(payload));
    return { received: true };
  };

  @Controller('handwritten')
  class HandwrittenController {
    @Post('native')
    @HttpCode(200)
    native(@Req() request: RawBodyRequest): Receipt {
      const id = header(request, 'webhook-id');
      const timestamp = header(request, 'webhook-timestamp');
      const signatures = header(request, 'webhook-signature');
      if (request.rawBody === undefined || id === undefined || timestamp === undefined || signatures === undefined) {
        throw new UnauthorizedException();
      }
      const seconds = Number(timestamp);
      if (!Number.isInteger(seconds) || Math.abs(Math.floor(Date.now() / 1000) - seconds) > TOLERANCE_SECONDS) {
        throw new UnauthorizedException();
      }
      const body = request.rawBody.toString('utf8');
      const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
      const valid = signatures.split(' ').some((entry) => {
        if (!entry.startsWith('v1,')) {
          return false;
        }
        const given = Buffer.from(entry.slice(3), 'base64');
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (!valid) {
        throw new UnauthorizedException();
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        throw new BadRequestException();
      }
      return accept(seenNative, id, payload);
    }

    @Post('svix')
    @HttpCode(200)
    svix(@Req() request: RawBodyRequest): Receipt {
      let payload: unknown;
      try {
        payload = webhook.verify(request.rawBody as Buffer, request.headers as Record<string, string>);
      } catch {
        throw new UnauthorizedException();
      }
      return accept(seenSvix, header(request, 'webhook-id') as string, payload);
    }
  }
  return HandwrittenController;
}
