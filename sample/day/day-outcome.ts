/** What happened to one delivery of the day, for the summary. */
export interface DayOutcome {
  /** Step number. */
  step: number;
  /** Event type, and how the delivery was special. */
  event: string;
  deliveryId: string;
  /** HTTP answers of the attempts, in order. */
  answers: string;
  /** Classes of the handlers that ran to completion. */
  handledBy: string[];
  /** Set when it did not go as scripted. */
  problem?: string;
}
