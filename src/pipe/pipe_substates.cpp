#include "pipe/pipe_substates.h"

namespace pg2ch {
namespace {

constexpr const char* kResync = "resync";                   // "1" from the request to the swap
constexpr const char* kResyncPrepared = "resync_prepared";  // "1" once prepared
constexpr const char* kLoadingAddedTables = "loading_added_tables";
constexpr const char* kPublicationOwned = "publication_owned";
constexpr const char* kCreatingLoadSlot = "creating_load_slot";
constexpr const char* kRetrying = "retrying";

bool Flag(Catalog& catalog, int64_t pipe_id, const char* key) {
  return catalog.GetProperty(pipe_id, key) == "1";
}

void SetFlag(Catalog& catalog, int64_t pipe_id, const char* key, bool on) {
  catalog.SetProperty(pipe_id, key, on ? "1" : "0");
}

}  // namespace

ResyncStep GetResyncStep(Catalog& catalog, int64_t pipe_id) {
  if (!Flag(catalog, pipe_id, kResync)) return ResyncStep::kNone;
  return Flag(catalog, pipe_id, kResyncPrepared) ? ResyncStep::kPrepared : ResyncStep::kRequested;
}

void SetResyncStep(Catalog& catalog, int64_t pipe_id, ResyncStep step) {
  // Two keys, written in the order that leaves a crash in between at the earlier step.
  switch (step) {
    case ResyncStep::kNone:
      SetFlag(catalog, pipe_id, kResync, false);
      SetFlag(catalog, pipe_id, kResyncPrepared, false);
      return;
    case ResyncStep::kRequested:
      SetFlag(catalog, pipe_id, kResyncPrepared, false);
      SetFlag(catalog, pipe_id, kResync, true);
      return;
    case ResyncStep::kPrepared:
      SetFlag(catalog, pipe_id, kResync, true);
      SetFlag(catalog, pipe_id, kResyncPrepared, true);
      return;
  }
}

bool LoadingAddedTables(Catalog& catalog, int64_t pipe_id) {
  return Flag(catalog, pipe_id, kLoadingAddedTables);
}

void SetLoadingAddedTables(Catalog& catalog, int64_t pipe_id, bool loading) {
  SetFlag(catalog, pipe_id, kLoadingAddedTables, loading);
}

bool CreatingLoadSlot(Catalog& catalog, int64_t pipe_id) {
  return Flag(catalog, pipe_id, kCreatingLoadSlot);
}

void SetCreatingLoadSlot(Catalog& catalog, int64_t pipe_id, bool creating) {
  SetFlag(catalog, pipe_id, kCreatingLoadSlot, creating);
}

bool PublicationOwned(Catalog& catalog, int64_t pipe_id) {
  return Flag(catalog, pipe_id, kPublicationOwned);
}

void RecordPublicationOwned(Catalog& catalog, int64_t pipe_id) {
  SetFlag(catalog, pipe_id, kPublicationOwned, true);
}

std::string RetryingReason(Catalog& catalog, int64_t pipe_id) {
  return catalog.GetProperty(pipe_id, kRetrying).value_or("");
}

void SetRetryingReason(Catalog& catalog, int64_t pipe_id, const std::string& reason) {
  if (RetryingReason(catalog, pipe_id) != reason) catalog.SetProperty(pipe_id, kRetrying, reason);
}

}  // namespace pg2ch
