import { createRecordedHarness } from "./test-support/recorded-harness.ts"
import { runSourceContract } from "./test-support/source-contract.ts"

import type { RecordedHarness } from "./test-support/recorded-harness.ts"

// The same contract as the real engine's, on streams recorded from it: as the engine writes them
// (a line per write) and cut into 7-byte shards that split lines and multi-byte characters.
for (const chunking of ["lines", "shards"] as const) {
  let harness: RecordedHarness | undefined
  runSourceContract({
    name: `recorded streams (${chunking})`,
    setup: async () => {
      harness = await createRecordedHarness({ chunking })
      return harness
    },
    teardown: async () => {
      await harness?.close()
    },
  })
}
