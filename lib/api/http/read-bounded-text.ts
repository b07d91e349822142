/** Thrown by {@link readBoundedText} when an answer holds more than the limit. */
export class AnswerTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the API answered with more than ${limitBytes} bytes`);
  }
}

/**
 * The body of `response` as UTF-8 text, reading no more than `limitBytes`: an API or a proxy
 * that answers without end must not fill the process's memory. Throws {@link AnswerTooLargeError}
 * beyond it, after cancelling the rest.
 */
export async function readBoundedText(response: Response, limitBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limitBytes) {
    await response.body?.cancel();
    throw new AnswerTooLargeError(limitBytes);
  }
  if (!response.body) {
    return '';
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      return Buffer.concat(chunks).toString('utf8');
    }
    received += value.byteLength;
    if (received > limitBytes) {
      await reader.cancel();
      throw new AnswerTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
}
