// The pipe lifecycle of ../shared/spec/pipe-lifecycle.md as data: states and the allowed
// transitions, in one table. State names are stored in the catalog and shown to users: they are an
// API and are never renamed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pg2ch {

enum class PipeState {
  kProvisioning,
  kSetup,
  kSnapshot,
  kRunning,
  kPausing,
  kPaused,
  kModifying,
  kResync,
  kCompleted,
  kFailed,
};

std::string_view StateName(PipeState state);  // "Provisioning", "Setup", ...
std::optional<PipeState> ParseState(std::string_view name);
bool IsAllowedTransition(PipeState from, PipeState to);

}  // namespace pg2ch
