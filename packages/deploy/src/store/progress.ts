/** Which part of a release a transfer is moving. */
export type StoreProgressStep = 'component' | 'release' | 'config' | 'manifest';

/** One progress report: `bytes` of `total` of one step are done. */
export interface StoreProgress {
  readonly step: StoreProgressStep;
  readonly bytes: number;
  readonly total: number;
}

/** Options of a store's `put` and `get`. */
export interface TransferOptions {
  /** Called as bytes move, at least once at the start and once at the end of each step. */
  readonly onProgress?: (progress: StoreProgress) => void;
}
