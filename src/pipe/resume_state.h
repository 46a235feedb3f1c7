// Where a stopped pipe picks up its work, read from its state history.
#pragma once

#include "catalog/catalog.h"

namespace pg2ch {

// For a pipe in Failed or Paused: the state whose work was interrupted when it entered that
// state (via Pausing for Paused). Snapshot stays Snapshot (the load is unfinished), CDC states
// give Running, earlier ones Setup.
PipeState ResumeState(Catalog& catalog, int64_t pipe_id);

}  // namespace pg2ch
