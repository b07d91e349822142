/** A delivery whose signature and timestamp the guard accepted. */
export interface VerifiedDelivery {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}
