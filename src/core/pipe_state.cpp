#include "core/pipe_state.h"

#include <array>
#include <utility>

namespace pg2ch {
namespace {

using S = PipeState;

constexpr std::array<std::pair<PipeState, std::string_view>, 10> kNames = {{
    {S::kProvisioning, "Provisioning"},
    {S::kSetup, "Setup"},
    {S::kSnapshot, "Snapshot"},
    {S::kRunning, "Running"},
    {S::kPausing, "Pausing"},
    {S::kPaused, "Paused"},
    {S::kModifying, "Modifying"},
    {S::kResync, "Resync"},
    {S::kCompleted, "Completed"},
    {S::kFailed, "Failed"},
}};

// Every allowed transition of the lifecycle spec. Anything may fail; Failed is left only by a
// start (back to where the work was) or a resync (through Snapshot).
constexpr std::array<std::pair<PipeState, PipeState>, 25> kTransitions = {{
    {S::kProvisioning, S::kSetup},  {S::kSetup, S::kSnapshot},  // snapshot and snapshot+CDC pipes
    {S::kSetup, S::kRunning},                                   // CDC-only pipes
    {S::kSnapshot, S::kRunning},                                // initial load done, CDC starts
    {S::kSnapshot, S::kCompleted},                              // snapshot-only pipes
    {S::kSnapshot, S::kResync},  // resync: _resync tables loaded, swap begins
    {S::kSnapshot, S::kPausing},    {S::kResync, S::kRunning},  {S::kRunning, S::kPausing},
    {S::kRunning, S::kSnapshot},   // tables added, or resync started
    {S::kRunning, S::kModifying},  // tables removed
    {S::kModifying, S::kRunning},   {S::kPausing, S::kPaused},  {S::kPaused, S::kRunning},
    {S::kModifying, S::kSnapshot},  // removed tables gone, added tables to load
    {S::kPaused, S::kModifying},    // tables changed while paused, applied on start
    {S::kPaused, S::kSnapshot},     // resume an unfinished load, or resync
    {S::kFailed, S::kRunning},      {S::kFailed, S::kSnapshot}, {S::kFailed, S::kSetup},
    {S::kProvisioning, S::kFailed}, {S::kSetup, S::kFailed},    {S::kSnapshot, S::kFailed},
    {S::kRunning, S::kFailed},      {S::kResync, S::kFailed},
}};

// States from which Failed is reachable beyond those listed above.
constexpr std::array<PipeState, 3> kAlsoFailFrom = {S::kPausing, S::kModifying, S::kPaused};

}  // namespace

std::string_view StateName(PipeState state) {
  for (const auto& [s, name] : kNames)
    if (s == state) return name;
  return "Unknown";
}

std::optional<PipeState> ParseState(std::string_view name) {
  for (const auto& [s, n] : kNames)
    if (n == name) return s;
  return std::nullopt;
}

bool IsAllowedTransition(PipeState from, PipeState to) {
  for (const auto& [f, t] : kTransitions)
    if (f == from && t == to) return true;
  if (to == S::kFailed)
    for (PipeState s : kAlsoFailFrom)
      if (s == from) return true;
  return false;
}

}  // namespace pg2ch
