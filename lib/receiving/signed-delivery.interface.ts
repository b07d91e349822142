/** A delivery whose signature and timestamp the signature guard accepted. */
export interface SignedDelivery {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}
