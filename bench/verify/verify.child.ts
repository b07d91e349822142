import { benchModeNamed } from '../support/bench-mode.js';
import { runAsBenchChild } from '../support/child-process.js';
import { VERIFY_SIZES, type VerifyCaseResult, type VerifyResult, measureVerifyCase } from './verify-measure.js';

// Child process: measures verification per call, one secret then two, every size.
runAsBenchChild(async (): Promise<VerifyResult> => {
  const mode = benchModeNamed(process.argv[2]);
  // A discarded first pass: the first case measured would otherwise also pay for compiling
  // the code every case shares.
  measureVerifyCase(1024, 2, 3, mode.verify.batchMs);
  const cases: VerifyCaseResult[] = [];
  for (const secrets of [1, 2]) {
    for (const bytes of VERIFY_SIZES) {
      cases.push(measureVerifyCase(bytes, secrets, mode.verify.rounds, mode.verify.batchMs));
    }
  }
  return { rounds: mode.verify.rounds, batchMs: mode.verify.batchMs, cases };
});
