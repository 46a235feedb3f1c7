#include "pipe/resume_state.h"

namespace pg2ch {

PipeState ResumeState(Catalog& catalog, int64_t pipe_id) {
  auto history = catalog.History(pipe_id);
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->to != PipeState::kFailed && it->to != PipeState::kPausing) continue;
    switch (it->from.value_or(PipeState::kProvisioning)) {
      case PipeState::kSnapshot:
      case PipeState::kResync:
        return PipeState::kSnapshot;
      case PipeState::kRunning:
      case PipeState::kPausing:
      case PipeState::kPaused:
      case PipeState::kModifying:
        return PipeState::kRunning;
      default:
        return PipeState::kSetup;
    }
  }
  return PipeState::kSetup;
}

}  // namespace pg2ch
