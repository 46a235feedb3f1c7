#include "core/pipe_state.h"

#include <gtest/gtest.h>

namespace pg2ch {
namespace {

const PipeState kAll[] = {
    PipeState::kProvisioning, PipeState::kSetup,  PipeState::kSnapshot,  PipeState::kRunning,
    PipeState::kPausing,      PipeState::kPaused, PipeState::kModifying, PipeState::kResync,
    PipeState::kCompleted,    PipeState::kFailed,
};

TEST(PipeState, NamesRoundTripAndAreTheSpecNames) {
  const char* expected[] = {"Provisioning", "Setup",     "Snapshot", "Running",   "Pausing",
                            "Paused",       "Modifying", "Resync",   "Completed", "Failed"};
  for (size_t i = 0; i < std::size(kAll); ++i) {
    EXPECT_EQ(StateName(kAll[i]), expected[i]);
    EXPECT_EQ(ParseState(expected[i]), kAll[i]);
  }
  EXPECT_FALSE(ParseState("running").has_value());
}

TEST(PipeState, LifecyclePathsOfTheSpec) {
  using S = PipeState;
  // snapshot + CDC
  EXPECT_TRUE(IsAllowedTransition(S::kProvisioning, S::kSetup));
  EXPECT_TRUE(IsAllowedTransition(S::kSetup, S::kSnapshot));
  EXPECT_TRUE(IsAllowedTransition(S::kSnapshot, S::kRunning));
  // CDC-only and snapshot-only
  EXPECT_TRUE(IsAllowedTransition(S::kSetup, S::kRunning));
  EXPECT_TRUE(IsAllowedTransition(S::kSnapshot, S::kCompleted));
  // pause / resume
  EXPECT_TRUE(IsAllowedTransition(S::kRunning, S::kPausing));
  EXPECT_TRUE(IsAllowedTransition(S::kPausing, S::kPaused));
  EXPECT_TRUE(IsAllowedTransition(S::kPaused, S::kRunning));
  // modify, resync
  EXPECT_TRUE(IsAllowedTransition(S::kRunning, S::kModifying));
  EXPECT_TRUE(IsAllowedTransition(S::kModifying, S::kRunning));
  EXPECT_TRUE(IsAllowedTransition(S::kModifying, S::kSnapshot));  // added tables to load
  EXPECT_TRUE(IsAllowedTransition(S::kPaused, S::kModifying));    // tables changed while paused
  EXPECT_TRUE(IsAllowedTransition(S::kSnapshot, S::kResync));
  EXPECT_TRUE(IsAllowedTransition(S::kResync, S::kRunning));
  // recovery from Failed
  EXPECT_TRUE(IsAllowedTransition(S::kFailed, S::kRunning));
  EXPECT_TRUE(IsAllowedTransition(S::kFailed, S::kSnapshot));
}

TEST(PipeState, ForbiddenTransitions) {
  using S = PipeState;
  EXPECT_FALSE(IsAllowedTransition(S::kCompleted, S::kRunning));
  EXPECT_FALSE(IsAllowedTransition(S::kCompleted, S::kFailed));
  EXPECT_FALSE(IsAllowedTransition(S::kProvisioning, S::kRunning));
  EXPECT_FALSE(IsAllowedTransition(S::kPaused, S::kPausing));
  EXPECT_FALSE(IsAllowedTransition(S::kSetup, S::kCompleted));
  for (PipeState s : kAll) EXPECT_FALSE(IsAllowedTransition(s, s)) << StateName(s);
  for (PipeState s : kAll) EXPECT_FALSE(IsAllowedTransition(s, S::kProvisioning)) << StateName(s);
}

TEST(PipeState, EveryActiveStateCanFail) {
  for (PipeState s : kAll) {
    bool terminal = s == PipeState::kCompleted || s == PipeState::kFailed;
    EXPECT_EQ(IsAllowedTransition(s, PipeState::kFailed), !terminal) << StateName(s);
  }
}

}  // namespace
}  // namespace pg2ch
