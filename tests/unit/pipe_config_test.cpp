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
  EXPECT_EQ(c.sync_interval_seconds, 0.5);
  EXPECT_EQ(c.pull_batch_size, 100000);
}

TEST(PipeConfig, StreamLargeTransactionsDefaultsOnAndRoundTripsOff) {
  PipeConfig on = ParsePipeConfig(kMinimal);
  EXPECT_TRUE(on.stream_large_transactions);
  EXPECT_EQ(PipeConfigToJson(on).find("stream_large_transactions"), std::string::npos);
  std::string with = kMinimal;
  with.insert(with.rfind('}'), R"(, "stream_large_transactions": false)");
  PipeConfig off = ParsePipeConfig(with);
  EXPECT_FALSE(off.stream_large_transactions);
  EXPECT_FALSE(ParsePipeConfig(PipeConfigToJson(off)).stream_large_transactions);
  std::string bad = kMinimal;
  bad.insert(bad.rfind('}'), R"(, "stream_large_transactions": 0)");
  EXPECT_THROW(ParsePipeConfig(bad), PipeError);
}

TEST(PipeConfig, FailoverSlotDefaultsOffValidatesAndRoundTrips) {
  EXPECT_FALSE(ParsePipeConfig(kMinimal).failover_slot);
  std::string with = kMinimal;
  with.insert(with.rfind('}'), R"(, "failover_slot": true)");
  PipeConfig c = ParsePipeConfig(with);
  EXPECT_TRUE(c.failover_slot);
  EXPECT_TRUE(ParsePipeConfig(PipeConfigToJson(c)).failover_slot);
  std::string bad = kMinimal;
  bad.insert(bad.rfind('}'), R"(, "failover_slot": "yes")");
  try {
    ParsePipeConfig(bad);
    ADD_FAILURE() << "accepted a string";
  } catch (const PipeError& e) {
    EXPECT_NE(std::string(e.what()).find("failover_slot"), std::string::npos) << e.what();
  }
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

// "schema.table" splits at the first dot; a schema with a dot in it is given apart.
TEST(PipeConfig, SchemaNamesWithDotsAndStaleSlotHolderRoundTrip) {
  PipeConfig c = ParsePipeConfig(R"({
    "name": "dots", "source": {"user": "u", "database": "d"},
    "destination": {"database": "a"}, "stale_slot_holder_seconds": 5,
    "tables": [{"schema": "my.schema", "source": "order.items"}, {"source": "s.t.u"}]})");
  EXPECT_EQ(c.tables[0].source_schema, "my.schema");
  EXPECT_EQ(c.tables[0].source_table, "order.items");
  EXPECT_EQ(c.tables[0].target_table, "order.items");
  EXPECT_EQ(c.tables[1].source_schema, "s");
  EXPECT_EQ(c.tables[1].source_table, "t.u");
  EXPECT_EQ(c.stale_slot_holder_seconds, 5);
  PipeConfig again = ParsePipeConfig(PipeConfigToJson(c));
  EXPECT_EQ(again.tables[0].source_schema, "my.schema");
  EXPECT_EQ(again.tables[0].source_table, "order.items");
  EXPECT_EQ(again.tables[1].source_table, "t.u");
  EXPECT_EQ(again.stale_slot_holder_seconds, 5);
  EXPECT_EQ(PipeApplicationName(c), "pg2ch/peerflow_slot_dots");
  EXPECT_EQ(ParsePipeConfig(kMinimal).stale_slot_holder_seconds, 60);
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
  ExpectError(
      with("\"database\": \"analytics\"", "\"database\": \"analytics\", \"pasword\": \"x\""),
      "destination.pasword: unknown field");
  ExpectError(with("\"target\": \"items_ch\"", "\"target\": \"orders\""), "two tables map to");
  ExpectError(with("http://ch:8123", "ch:8123"), "destination.url");
  ExpectError(with("\"name\": \"orders\",", "\"name\": \"orders\", \"mode\": \"fast\","), "mode");
}

// TLS files are paths, kept in the definition only when set (a pipe recorded before they existed
// keeps its definition text); asking for TLS where it cannot be checked is refused.
TEST(PipeConfig, TlsFilesValidateAndRoundTrip) {
  const std::string minimal = PipeConfigToJson(ParsePipeConfig(kMinimal));
  for (const char* field : {"sslrootcert", "sslcert", "sslkey", "ca_file"})
    EXPECT_EQ(minimal.find(field), std::string::npos) << field;
  std::string base = kMinimal;
  auto with = [&](const std::string& source, const std::string& destination) {
    std::string s = base;
    s.replace(s.find("\"database\": \"shop\""), 18, "\"database\": \"shop\"" + source);
    s.replace(s.find("\"url\": \"http://ch:8123\""), 23, destination);
    return s;
  };
  PipeConfig c = ParsePipeConfig(
      with(R"(, "sslmode": "verify-full", "sslrootcert": "/etc/ca.pem", "sslcert": "/c.pem",
              "sslkey": "/c.key")",
           R"("url": "https://ch:8443", "ca_file": "/etc/ch-ca.pem")"));
  EXPECT_EQ(c.source.sslrootcert, "/etc/ca.pem");
  EXPECT_EQ(c.source.sslcert, "/c.pem");
  EXPECT_EQ(c.source.sslkey, "/c.key");
  EXPECT_EQ(c.destination.ca_file, "/etc/ch-ca.pem");
  PipeConfig again = ParsePipeConfig(PipeConfigToJson(c));
  EXPECT_EQ(again.source.sslrootcert, "/etc/ca.pem");
  EXPECT_EQ(again.source.sslkey, "/c.key");
  EXPECT_EQ(again.destination.ca_file, "/etc/ch-ca.pem");
  ExpectError(with(R"(, "sslcert": "/c.pem")", R"("url": "http://ch:8123")"),
              "source.sslkey: a client certificate needs both sslcert and sslkey");
  ExpectError(with(R"(, "sslmode": "require", "sslrootcert": "/ca")", R"("url": "http://ch:8123")"),
              "source.sslrootcert: is only checked with sslmode verify-ca or verify-full");
  ExpectError(with("", R"("url": "http://ch:8123", "ca_file": "/ca")"),
              "destination.url: must start with https:// when destination.ca_file is set");
}

TEST(PipeConfig, RowFilterParsesValidatesAndRoundTrips) {
  EXPECT_EQ(PipeConfigToJson(ParsePipeConfig(kMinimal)).find("where"), std::string::npos);
  std::string base = kMinimal;
  auto with = [&](const std::string& where) {
    std::string s = base;
    const std::string entry = "{\"source\": \"public.orders\"}";
    s.replace(s.find(entry), entry.size(),
              "{\"source\": \"public.orders\", \"where\": " + where + "}");
    return s;
  };
  PipeConfig c = ParsePipeConfig(with(R"("tenant = 'a''b'")"));
  EXPECT_EQ(c.tables[0].where, "tenant = 'a''b'");
  EXPECT_EQ(ParsePipeConfig(PipeConfigToJson(c)).tables[0].where, "tenant = 'a''b'");
  ExpectError(with(R"("  ")"), "tables[0].where: must be an SQL condition");
  ExpectError(with("1"), "tables[0].where");
  PipeConfig at_source =
      ParsePipeConfig(with(R"("true", "exclude": ["card"], "exclude_at_source": true)"));
  EXPECT_TRUE(at_source.tables[0].exclude_at_source);
  EXPECT_TRUE(ParsePipeConfig(PipeConfigToJson(at_source)).tables[0].exclude_at_source);
  ExpectError(with(R"("true", "exclude_at_source": true)"),
              "tables[0].exclude_at_source: needs excluded columns");
}

TEST(PipeConfig, PullBatchBytesDefaultsValidatesAndRoundTrips) {
  PipeConfig c = ParsePipeConfig(kMinimal);
  EXPECT_EQ(c.pull_batch_bytes, int64_t{64} << 20);
  EXPECT_EQ(PipeConfigToJson(c).find("pull_batch_bytes"), std::string::npos);
  auto with = [&](const std::string& setting) {
    std::string s = kMinimal;
    s.replace(s.find("\"name\": \"orders\","), 17, "\"name\": \"orders\", " + setting + ",");
    return s;
  };
  PipeConfig set = ParsePipeConfig(with("\"pull_batch_bytes\": 4096"));
  EXPECT_EQ(set.pull_batch_bytes, 4096);
  EXPECT_EQ(ParsePipeConfig(PipeConfigToJson(set)).pull_batch_bytes, 4096);
  ExpectError(with("\"pull_batch_bytes\": 10"), "pull_batch_bytes: must be an integer from 1024");
}

TEST(PipeConfig, SnapshotSettingsDefaultValidateAndRoundTrip) {
  PipeConfig c = ParsePipeConfig(kMinimal);
  EXPECT_EQ(c.snapshot_num_rows_per_partition, 500000);
  EXPECT_EQ(c.snapshot_max_parallel_workers, 4);
  EXPECT_EQ(c.snapshot_num_tables_in_parallel, 1);
  // Defaults are not written: a pipe recorded before these settings keeps its definition text.
  EXPECT_EQ(PipeConfigToJson(c).find("\"snapshot_num"), std::string::npos);
  EXPECT_EQ(PipeConfigToJson(c).find("\"snapshot_max"), std::string::npos);

  std::string json = kMinimal;
  json.replace(json.find("\"name\": \"orders\","), 17,
               "\"name\": \"orders\", \"snapshot_num_rows_per_partition\": 5000, "
               "\"snapshot_max_parallel_workers\": 2, \"snapshot_num_tables_in_parallel\": 3,");
  PipeConfig set = ParsePipeConfig(json);
  EXPECT_EQ(set.snapshot_num_rows_per_partition, 5000);
  EXPECT_EQ(set.snapshot_max_parallel_workers, 2);
  EXPECT_EQ(set.snapshot_num_tables_in_parallel, 3);
  PipeConfig again = ParsePipeConfig(PipeConfigToJson(set));
  EXPECT_EQ(again.snapshot_num_rows_per_partition, 5000);
  EXPECT_EQ(again.snapshot_max_parallel_workers, 2);
  EXPECT_EQ(again.snapshot_num_tables_in_parallel, 3);

  auto with = [&](const std::string& setting) {
    std::string s = kMinimal;
    s.replace(s.find("\"name\": \"orders\","), 17, "\"name\": \"orders\", " + setting + ",");
    return s;
  };
  ExpectError(with("\"snapshot_max_parallel_workers\": 0"),
              "snapshot_max_parallel_workers: must be an integer from 1 to 64");
  ExpectError(with("\"snapshot_num_tables_in_parallel\": 1.5"), "snapshot_num_tables_in_parallel");
  ExpectError(with("\"snapshot_num_rows_per_partition\": 10"),
              "snapshot_num_rows_per_partition: must be an integer from 1000");
  ExpectError(with("\"snapshot_max_parallel_workers\": \"4\""), "snapshot_max_parallel_workers");
}

TEST(PipeConfig, ExcludedColumnsParseValidateAndRoundTrip) {
  std::string json = kMinimal;
  const std::string items = "\"target\": \"items_ch\"";
  json.replace(json.find(items), items.size(), items + ", \"exclude\": [\"secret\", \"blob\"]");
  PipeConfig c = ParsePipeConfig(json);
  EXPECT_TRUE(c.tables[0].exclude.empty());
  EXPECT_EQ(c.tables[1].exclude, (std::vector<std::string>{"secret", "blob"}));
  // Not written when empty: definitions recorded before the field existed stay the same text.
  EXPECT_EQ(PipeConfigToJson(ParsePipeConfig(kMinimal)).find("exclude"), std::string::npos);
  EXPECT_EQ(ParsePipeConfig(PipeConfigToJson(c)).tables[1].exclude, c.tables[1].exclude);

  auto with = [&](const std::string& exclude) {
    std::string s = kMinimal;
    s.replace(s.find(items), items.size(), items + ", \"exclude\": " + exclude);
    return s;
  };
  ExpectError(with("\"secret\""), "tables[1].exclude: must be an array of column names");
  ExpectError(with("[1]"), "tables[1].exclude: must be an array of non-empty column names");
  ExpectError(with("[\"\"]"), "tables[1].exclude: must be an array of non-empty column names");
  ExpectError(with("[\"a\", \"a\"]"), "tables[1].exclude: lists \"a\" twice");
}

TEST(PipeConfig, SortingKeysParseValidateAndRoundTrip) {
  const std::string items = "\"target\": \"items_ch\"";
  auto with = [&](const std::string& fields) {
    std::string s = kMinimal;
    s.replace(s.find(items), items.size(), items + ", " + fields);
    return s;
  };
  PipeConfig c = ParsePipeConfig(with("\"sorting_keys\": [\"day\", \"region\"]"));
  EXPECT_TRUE(c.tables[0].sorting_keys.empty());
  EXPECT_EQ(c.tables[1].sorting_keys, (std::vector<std::string>{"day", "region"}));
  EXPECT_EQ(SortingKeys(c, "sales", "items"), c.tables[1].sorting_keys);
  EXPECT_TRUE(SortingKeys(c, "public", "items").empty());
  EXPECT_EQ(ParsePipeConfig(PipeConfigToJson(c)).tables[1].sorting_keys, c.tables[1].sorting_keys);
  EXPECT_EQ(PipeConfigToJson(ParsePipeConfig(kMinimal)).find("sorting_keys"), std::string::npos);

  ExpectError(with("\"sorting_keys\": {}"),
              "tables[1].sorting_keys: must be an array of column names");
  ExpectError(with("\"sorting_keys\": [\"a\", \"a\"]"),
              "tables[1].sorting_keys: lists \"a\" twice");
  ExpectError(with("\"exclude\": [\"a\"], \"sorting_keys\": [\"a\"]"),
              "tables[1].sorting_keys: \"a\" is excluded");
  ExpectError(with("\"sorting_key\": [\"a\"]"), "tables[1].sorting_key: unknown field");
}

TEST(PipeConfig, PartitionColumnParsesValidatesAndRoundTrips) {
  const std::string items = "\"target\": \"items_ch\"";
  auto with = [&](const std::string& fields) {
    std::string s = kMinimal;
    s.replace(s.find(items), items.size(), items + ", " + fields);
    return s;
  };
  PipeConfig c = ParsePipeConfig(with("\"partition_column\": \"item_id\""));
  EXPECT_EQ(c.tables[0].partition_column, "");
  EXPECT_EQ(c.tables[1].partition_column, "item_id");
  EXPECT_EQ(ParsePipeConfig(PipeConfigToJson(c)).tables[1].partition_column, "item_id");
  // Not written when absent: definitions recorded before the setting keep their text.
  EXPECT_EQ(PipeConfigToJson(ParsePipeConfig(kMinimal)).find("partition_column"),
            std::string::npos);

  ExpectError(with("\"partition_column\": 3"), "tables[1].partition_column: must be a string");
  ExpectError(with("\"partition_column\": \"\""), "tables[1].partition_column: must not be empty");
  ExpectError(with("\"exclude\": [\"a\"], \"partition_column\": \"a\""),
              "tables[1].partition_column: \"a\" is excluded");
}

TEST(PipeConfig, SpillThresholdDefaultsValidatesAndRoundTrips) {
  PipeConfig c = ParsePipeConfig(kMinimal);
  EXPECT_EQ(c.spill_threshold_changes, 100000);
  EXPECT_EQ(PipeConfigToJson(c).find("spill_threshold"), std::string::npos);  // default unwritten
  auto with = [&](const std::string& setting) {
    std::string s = kMinimal;
    s.replace(s.find("\"name\": \"orders\","), 17, "\"name\": \"orders\", " + setting + ",");
    return s;
  };
  PipeConfig set = ParsePipeConfig(with("\"spill_threshold_changes\": 1000"));
  EXPECT_EQ(set.spill_threshold_changes, 1000);
  EXPECT_EQ(ParsePipeConfig(PipeConfigToJson(set)).spill_threshold_changes, 1000);
  ExpectError(with("\"spill_threshold_changes\": 999"),
              "spill_threshold_changes: must be an integer from 1000 to 1000000000");
  ExpectError(with("\"spill_threshold_changes\": \"5000\""), "spill_threshold_changes");
}

}  // namespace
}  // namespace pg2ch
