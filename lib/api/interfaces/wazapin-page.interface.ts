/**
 * One page of a cursor-paginated list.
 *
 * @publicApi
 */
export interface WazapinPage<T> {
  data: T[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  next_cursor: string | null;
}
