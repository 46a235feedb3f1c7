// Runs a test once per ClickHouse engine of the run (TestEngines(): PG2CH_TEST_ENGINES, or all).
//
//   class PipeEndToEnd : public EngineTest {};
//   TEST_P(PipeEndToEnd, Something) { TestDatabases dbs = NewDatabases("hint"); ... engine() ... }
//   PG2CH_INSTANTIATE_ENGINE_TESTS(PipeEndToEnd);
//
// Test names end in the engine: Engines/PipeEndToEnd.Something/ch26, so
// --gtest_filter='*/ch26' also picks one engine (the servers of both still start).
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "harness/harness.h"

namespace pg2ch::test {

class EngineTest : public ::testing::TestWithParam<ChEngine> {
 protected:
  ChEngine engine() const { return GetParam(); }
  bool modern() const { return IsModern(GetParam()); }
  TestDatabases NewDatabases(const std::string& hint) const {
    return NewTestDatabases(hint, GetParam());
  }
  // A pipe name unique to this engine's run: replication slots (peerflow_slot_<pipe>) are global
  // to the PostgreSQL server both engines' runs share.
  std::string PipeName(const std::string& base) const {
    return base + "_" + EngineName(GetParam());
  }
};

// GoogleTest prints parameters with this (found by argument-dependent lookup).
inline void PrintTo(ChEngine engine, std::ostream* out) { *out << EngineName(engine); }

inline std::string EngineTestName(const ::testing::TestParamInfo<ChEngine>& info) {
  return EngineName(info.param);
}

}  // namespace pg2ch::test

#define PG2CH_INSTANTIATE_ENGINE_TESTS(Suite)                                                 \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite, ::testing::ValuesIn(::pg2ch::test::TestEngines()), \
                           ::pg2ch::test::EngineTestName)
