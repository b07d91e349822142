import { bodyReadFailure } from '../../lib/receiving/body-read-failure.js';

const express = (type: string, status: number) => Object.assign(new Error(type), { type, status, statusCode: status, expose: true });
const fastify = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode });

describe('bodyReadFailure', () => {
  it.each([
    [express('entity.parse.failed', 400), 'not-json'],
    [Object.assign(express('entity.parse.failed', 400), { body: '{"a": oops' }), 'not-json'],
    [Object.assign(express('entity.parse.failed', 400), { body: 'null' }), 'not-object'],
    [express('entity.too.large', 413), 'too-large'],
    [express('encoding.unsupported', 415), 'media-type'],
    [express('charset.unsupported', 415), 'media-type'],
    [express('request.aborted', 400), 'unreadable'],
    [express('request.size.invalid', 400), 'unreadable'],
    [fastify('FST_ERR_CTP_INVALID_JSON_BODY', 400), 'not-json'],
    [fastify('FST_ERR_CTP_EMPTY_JSON_BODY', 400), 'not-json'],
    [fastify('FST_ERR_CTP_BODY_TOO_LARGE', 413), 'too-large'],
    [fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), 'media-type'],
    [fastify('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400), 'unreadable'],
  ])('reads %p as %p', (error, failure) => {
    expect(bodyReadFailure(error)).toBe(failure);
  });

  it.each([
    ['an ordinary error', new Error('boom')],
    ['a 5xx with a type', express('stream.encoding.set', 500)],
    ['an HTTP error without a type', Object.assign(new Error('nope'), { status: 404 })],
    ['a Fastify error of another kind', fastify('FST_ERR_HANDLER_TIMEOUT', 503)],
    ['a SyntaxError from elsewhere', new SyntaxError('Unexpected token')],
    ['a thrown string', 'entity.parse.failed'],
    ['null', null],
  ])('leaves %s to the app', (_name, error) => {
    expect(bodyReadFailure(error)).toBeUndefined();
  });
});
