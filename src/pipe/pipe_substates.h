// A pipe's sub-states: what it is in the middle of beyond its PipeState, kept in the catalog so
// that a restart resumes it (stored as pipe properties, whose keys and encodings only
// pipe_substates.cpp knows; catalogs written by earlier versions read the same).
#pragma once

#include <cstdint>
#include <string>

#include "catalog/catalog.h"

namespace pg2ch {

// A resync (resync_phase.h): asked for, then prepared (old slot dropped, twin tables created)
// before the load into the twins; back to kNone once every twin is swapped in.
enum class ResyncStep { kNone, kRequested, kPrepared };
ResyncStep GetResyncStep(Catalog& catalog, int64_t pipe_id);
void SetResyncStep(Catalog& catalog, int64_t pipe_id, ResyncStep step);

// Tables added to a running pipe still to be loaded while CDC goes on (table_changes.h).
bool LoadingAddedTables(Catalog& catalog, int64_t pipe_id);
void SetLoadingAddedTables(Catalog& catalog, int64_t pipe_id, bool loading);

// Set from just before the initial load creates the pipe's slot until its starting point is
// recorded: a slot found then without one is this load's own, left by an error or a crash in
// between, and is dropped rather than refused as someone else's.
bool CreatingLoadSlot(Catalog& catalog, int64_t pipe_id);
void SetCreatingLoadSlot(Catalog& catalog, int64_t pipe_id, bool creating);

// Whether pg2ch created the pipe's publication (Setup records it): only then does it change the
// publication's tables, or drop it with the pipe.
bool PublicationOwned(Catalog& catalog, int64_t pipe_id);
void RecordPublicationOwned(Catalog& catalog, int64_t pipe_id);

// Why the pipe is retrying in its state (a retryable error, shown by the API, CLI and metrics),
// "" while it makes progress. Set by the runner on each retryable error, cleared by a transition
// or by CDC's first durable batch after it. Written only when it changes.
std::string RetryingReason(Catalog& catalog, int64_t pipe_id);
void SetRetryingReason(Catalog& catalog, int64_t pipe_id, const std::string& reason);

}  // namespace pg2ch
