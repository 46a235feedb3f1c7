// A committed transaction as a change source hands it over, in memory or, when it was too large
// to hold, in a spill file (change_spill.h), and the policy that decides which.
#pragma once

#include <functional>
#include <memory>

#include "core/change.h"
#include "core/change_spill.h"
#include "core/scratch_file.h"

namespace pg2ch {

struct SpillPolicy {
  size_t threshold_changes = 0;                          // 0: never spill
  std::function<std::unique_ptr<ChangeSpill>()> create;  // a new, empty spill file
  // A new, empty scratch file in the same place, for a source's own records (a transaction
  // streamed while in progress); empty when the source may not keep any.
  std::function<std::unique_ptr<ScratchFile>()> create_scratch;
};

struct AssembledTransaction {
  // Everything but the changes when `spill` is set; then `transaction.changes` is empty.
  Transaction transaction;
  std::unique_ptr<ChangeSpill> spill;  // finished writing: ready for ReadChunk
};

}  // namespace pg2ch
