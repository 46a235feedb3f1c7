#include "pipe/pipe_config.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace pg2ch {
namespace {

const char* kMinimal = R"({
  "name": "orders",
  "source": {"host": "db", "port": 5433, "user": "u", "password": "secret", "database": "shop"},
  "destination": {"url": "http://ch:8123", "database": "analytics"},
  "tables": [{"source": "public.orders"}, {"source": "sales.items", "target": "items_ch"}]
})";

TEST(PipeConfig, DefaultsFollowClickPipesNamesWithSubSecondSync) {
  PipeConfig c = ParsePipeConfig(kMinimal);
  EXPECT_EQ(c.name, "orders");
  EXPECT_EQ(c.source.port, 5433);
  EXPECT_EQ(c.source.password, "secret");
  EXPECT_EQ(c.destination.user, "default");
  ASSERT_EQ(c.tables.size(), 2u);
  EXPECT_EQ(c.tables[0].source_schema, "public");
  EXPECT_EQ(c.tables[0].target_table, "orders");
  EXPECT_EQ(c.tables[1].source_schema, "sales");
  EXPECT_EQ(c.tables[1].target_table, "items_ch");
  EXPECT_EQ(c.mode, ReplicationMode::kSnapshotAndCdc);
  EXPECT_EQ(c.publication, "peerflow_pub_orders");
  EXPECT_EQ(c.slot, "peerflow_slot_orders");
  EXPECT_EQ(c.sync_interval_seconds, 1.0);
  EXPECT_EQ(c.pull_batch_size, 100000);
}

TEST(PipeConfig, RoundTripsThroughJson) {
  PipeConfig c = ParsePipeConfig(kMinimal);
  PipeConfig again = ParsePipeConfig(PipeConfigToJson(c));
  EXPECT_EQ(PipeConfigToJson(again), PipeConfigToJson(c));
}

void ExpectError(const std::string& json, const std::string& needle) {
  try {
    ParsePipeConfig(json);
    ADD_FAILURE() << "accepted: " << json;
  } catch (const PipeError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_FALSE(e.retryable());
  }
}

TEST(PipeConfig, ClearErrorsNamingTheField) {
  ExpectError("{not json", "not valid JSON");
  ExpectError(R"({"name": "x"})", "source: is required");
  std::string base = kMinimal;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  ExpectError(with("\"port\": 5433", "\"port\": \"5433\""), "source.port");
  ExpectError(with("\"name\": \"orders\"", "\"name\": \"Orders!\""), "name: may only contain");
  ExpectError(with("\"database\": \"analytics\"", "\"database\": \"analytics\", \"pasword\": \"x\""),
              "destination.pasword: unknown field");
  ExpectError(with("\"target\": \"items_ch\"", "\"target\": \"orders\""), "two tables map to");
  ExpectError(with("http://ch:8123", "ch:8123"), "destination.url");
  ExpectError(with("\"name\": \"orders\",", "\"name\": \"orders\", \"mode\": \"fast\","), "mode");
}

}  // namespace
}  // namespace pg2ch
