#include "pipe/pipe_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/error.h"

namespace pg2ch {
namespace {

using nlohmann::json;

[[noreturn]] void Bad(const std::string& field, const std::string& problem) {
  ThrowFatal("pipe definition: " + field + ": " + problem);
}

// Unknown keys are errors: a misspelt setting silently ignored is worse than a refusal.
void CheckKeys(const json& obj, const std::string& where, const std::set<std::string>& allowed) {
  if (!obj.is_object()) Bad(where, "must be an object");
  for (const auto& [key, value] : obj.items())
    if (!allowed.count(key)) Bad(where.empty() ? key : where + "." + key, "unknown field");
}

std::string GetString(const json& obj, const std::string& where, const std::string& key,
                      bool required, const std::string& fallback = "") {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) Bad(where + key, "is required");
    return fallback;
  }
  if (!it->is_string()) Bad(where + key, "must be a string");
  return it->get<std::string>();
}

// Slot and publication names become SQL identifiers and slot names must be [a-z0-9_].
void CheckName(const std::string& field, const std::string& value, size_t max_len) {
  if (value.empty() || value.size() > max_len)
    Bad(field, "must have 1 to " + std::to_string(max_len) + " characters");
  for (char c : value)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      Bad(field, "may only contain a-z, 0-9 and _ (got \"" + value + "\")");
}

// An optional integer setting in [min, max].
int64_t GetInt(const json& obj, const std::string& key, int64_t min, int64_t max,
               int64_t fallback) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < min || it->get<int64_t>() > max)
    Bad(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return it->get<int64_t>();
}

// An optional boolean setting, `absent` when absent.
bool GetBool(const json& obj, const std::string& key, bool absent = false) {
  auto it = obj.find(key);
  if (it == obj.end()) return absent;
  if (!it->is_boolean()) Bad(key, "must be true or false");
  return it->get<bool>();
}

ReplicationMode ParseMode(const std::string& text) {
  if (text == "snapshot_and_cdc" || text == "cdc") return ReplicationMode::kSnapshotAndCdc;
  if (text == "cdc_only") return ReplicationMode::kCdcOnly;
  if (text == "snapshot_only" || text == "snapshot") return ReplicationMode::kSnapshotOnly;
  Bad("mode", "must be snapshot_and_cdc, cdc_only or snapshot_only (got \"" + text + "\")");
}

// An optional array of distinct, non-empty column names.
std::vector<std::string> GetColumnNames(const json& obj, const std::string& field,
                                        const std::string& key) {
  std::vector<std::string> names;
  auto it = obj.find(key);
  if (it == obj.end()) return names;
  if (!it->is_array()) Bad(field, "must be an array of column names");
  for (const json& name : *it) {
    if (!name.is_string() || name.get<std::string>().empty())
      Bad(field, "must be an array of non-empty column names");
    if (std::find(names.begin(), names.end(), name.get<std::string>()) != names.end())
      Bad(field, "lists \"" + name.get<std::string>() + "\" twice");
    names.push_back(name.get<std::string>());
  }
  return names;
}

TableMapping ParseTable(const json& item, size_t index) {
  std::string where = "tables[" + std::to_string(index) + "]";
  CheckKeys(item, where,
            {"source", "schema", "target", "exclude", "sorting_keys", "partition_column", "where",
             "exclude_at_source"});
  std::string source = GetString(item, where + ".", "source", true);
  TableMapping t;
  auto dot = source.find('.');
  if (item.contains("schema")) {
    // Names with dots: the schema apart, the table name as it is.
    t.source_schema = GetString(item, where + ".", "schema", true);
    t.source_table = source;
  } else if (dot == std::string::npos) {
    t.source_table = source;
  } else {
    t.source_schema = source.substr(0, dot);
    t.source_table = source.substr(dot + 1);
  }
  if (t.source_schema.empty() || t.source_table.empty())
    Bad(where + ".source", "must be \"schema.table\" or \"table\"");
  t.target_table = GetString(item, where + ".", "target", false, t.source_table);
  if (t.target_table.empty()) Bad(where + ".target", "must not be empty");
  t.exclude = GetColumnNames(item, where + ".exclude", "exclude");
  t.sorting_keys = GetColumnNames(item, where + ".sorting_keys", "sorting_keys");
  for (const std::string& key : t.sorting_keys)
    if (std::find(t.exclude.begin(), t.exclude.end(), key) != t.exclude.end())
      Bad(where + ".sorting_keys", "\"" + key + "\" is excluded");
  if (item.contains("partition_column")) {
    t.partition_column = GetString(item, where + ".", "partition_column", true);
    if (t.partition_column.empty()) Bad(where + ".partition_column", "must not be empty");
    if (std::find(t.exclude.begin(), t.exclude.end(), t.partition_column) != t.exclude.end())
      Bad(where + ".partition_column", "\"" + t.partition_column + "\" is excluded");
  }
  t.exclude_at_source = GetBool(item, "exclude_at_source");
  if (t.exclude_at_source && t.exclude.empty())
    Bad(where + ".exclude_at_source", "needs excluded columns (exclude)");
  if (item.contains("where")) {
    t.where = GetString(item, where + ".", "where", true);
    if (t.where.find_first_not_of(" \t\r\n") == std::string::npos)
      Bad(where + ".where", "must be an SQL condition (leave it out for every row)");
  }
  return t;
}

}  // namespace

std::string ModeName(ReplicationMode mode) {
  switch (mode) {
    case ReplicationMode::kSnapshotAndCdc:
      return "snapshot_and_cdc";
    case ReplicationMode::kCdcOnly:
      return "cdc_only";
    case ReplicationMode::kSnapshotOnly:
      return "snapshot_only";
  }
  return "unknown";
}

PipeConfig ParsePipeConfig(const std::string& json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {  // parse_error, or a number out of range
    ThrowFatal(std::string("pipe definition is not valid JSON: ") + e.what());
  }
  CheckKeys(
      doc, "",
      {"name", "source", "destination", "tables", "mode", "publication", "slot",
       "sync_interval_seconds", "pull_batch_size", "pull_batch_bytes",
       "snapshot_num_rows_per_partition", "snapshot_max_parallel_workers",
       "snapshot_num_tables_in_parallel", "delete_on_merge", "spill_threshold_changes",
       "stale_slot_holder_seconds", "native_json", "failover_slot", "stream_large_transactions"});
  PipeConfig c;
  c.name = GetString(doc, "", "name", true);
  CheckName("name", c.name, 40);

  auto src = doc.find("source");
  if (src == doc.end()) Bad("source", "is required");
  CheckKeys(*src, "source",
            {"host", "port", "user", "password", "database", "sslmode", "sslrootcert", "sslcert",
             "sslkey"});
  c.source.host = GetString(*src, "source.", "host", false, c.source.host);
  if (auto p = src->find("port"); p != src->end()) {
    if (!p->is_number_integer() || p->get<int>() <= 0 || p->get<int>() > 65535)
      Bad("source.port", "must be an integer port number");
    c.source.port = p->get<int>();
  }
  c.source.user = GetString(*src, "source.", "user", true);
  c.source.password = GetString(*src, "source.", "password", false);
  c.source.database = GetString(*src, "source.", "database", true);
  c.source.sslmode = GetString(*src, "source.", "sslmode", false, c.source.sslmode);
  static const std::set<std::string> kSslModes = {"disable", "allow",     "prefer",
                                                  "require", "verify-ca", "verify-full"};
  if (!kSslModes.count(c.source.sslmode))
    Bad("source.sslmode", "unknown sslmode \"" + c.source.sslmode + "\"");
  c.source.sslrootcert = GetString(*src, "source.", "sslrootcert", false);
  c.source.sslcert = GetString(*src, "source.", "sslcert", false);
  c.source.sslkey = GetString(*src, "source.", "sslkey", false);
  if (c.source.sslcert.empty() != c.source.sslkey.empty())
    Bad(c.source.sslcert.empty() ? "source.sslcert" : "source.sslkey",
        "a client certificate needs both sslcert and sslkey");
  if (!c.source.sslrootcert.empty() && c.source.sslmode != "verify-ca" &&
      c.source.sslmode != "verify-full")
    Bad("source.sslrootcert",
        "is only checked with sslmode verify-ca or verify-full (sslmode is \"" + c.source.sslmode +
            "\")");

  auto dst = doc.find("destination");
  if (dst == doc.end()) Bad("destination", "is required");
  CheckKeys(*dst, "destination",
            {"url", "user", "password", "database", "timeout_seconds", "ca_file"});
  c.destination.url = GetString(*dst, "destination.", "url", false, c.destination.url);
  if (c.destination.url.rfind("http://", 0) != 0 && c.destination.url.rfind("https://", 0) != 0)
    Bad("destination.url", "must start with http:// or https://");
  c.destination.ca_file = GetString(*dst, "destination.", "ca_file", false);
  if (!c.destination.ca_file.empty() && c.destination.url.rfind("https://", 0) != 0)
    Bad("destination.url",
        "must start with https:// when destination.ca_file is set (TLS was asked for)");
  c.destination.user = GetString(*dst, "destination.", "user", false, c.destination.user);
  c.destination.password = GetString(*dst, "destination.", "password", false);
  c.destination.database = GetString(*dst, "destination.", "database", true);
  if (c.destination.database.empty()) Bad("destination.database", "must not be empty");
  if (auto t = dst->find("timeout_seconds"); t != dst->end()) {
    if (!t->is_number_integer() || t->get<int64_t>() < 1 || t->get<int64_t>() > 86400)
      Bad("destination.timeout_seconds", "must be an integer from 1 to 86400");
    c.destination.timeout_seconds = t->get<int>();
  }

  auto tables = doc.find("tables");
  if (tables == doc.end() || !tables->is_array() || tables->empty())
    Bad("tables",
        "must be a non-empty array of {\"source\": \"schema.table\", \"target\": \"name\"}");
  std::set<std::string> seen_sources, seen_targets;
  for (size_t i = 0; i < tables->size(); ++i) {
    TableMapping t = ParseTable((*tables)[i], i);
    if (!seen_sources.insert(t.source_schema + "." + t.source_table).second)
      Bad("tables[" + std::to_string(i) + "].source", "listed twice");
    if (!seen_targets.insert(t.target_table).second)
      Bad("tables[" + std::to_string(i) + "].target",
          "two tables map to \"" + t.target_table + "\"");
    c.tables.push_back(std::move(t));
  }

  c.mode = ParseMode(GetString(doc, "", "mode", false, "snapshot_and_cdc"));
  c.publication = GetString(doc, "", "publication", false, "peerflow_pub_" + c.name);
  CheckName("publication", c.publication, 63);
  c.slot = GetString(doc, "", "slot", false, "peerflow_slot_" + c.name);
  CheckName("slot", c.slot, 63);

  if (auto it = doc.find("sync_interval_seconds"); it != doc.end()) {
    if (!it->is_number() || it->get<double>() <= 0 || it->get<double>() > 3600)
      Bad("sync_interval_seconds", "must be a number in (0, 3600]");
    c.sync_interval_seconds = it->get<double>();
  }
  if (auto it = doc.find("pull_batch_size"); it != doc.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() <= 0)
      Bad("pull_batch_size", "must be a positive integer");
    c.pull_batch_size = it->get<int64_t>();
  }
  c.pull_batch_bytes =
      GetInt(doc, "pull_batch_bytes", 1024, int64_t{1} << 40, PipeConfig::kDefaultPullBatchBytes);
  c.snapshot_num_rows_per_partition = GetInt(doc, "snapshot_num_rows_per_partition", 1000,
                                             1000000000, PipeConfig::kDefaultRowsPerPartition);
  c.snapshot_max_parallel_workers = static_cast<int>(
      GetInt(doc, "snapshot_max_parallel_workers", 1, 64, PipeConfig::kDefaultParallelWorkers));
  c.snapshot_num_tables_in_parallel = static_cast<int>(
      GetInt(doc, "snapshot_num_tables_in_parallel", 1, 64, PipeConfig::kDefaultTablesInParallel));
  c.spill_threshold_changes = GetInt(doc, "spill_threshold_changes", 1000, 1000000000,
                                     PipeConfig::kDefaultSpillThresholdChanges);
  c.stale_slot_holder_seconds = static_cast<int>(GetInt(
      doc, "stale_slot_holder_seconds", 1, 86400, PipeConfig::kDefaultStaleSlotHolderSeconds));
  c.delete_on_merge = GetBool(doc, "delete_on_merge");
  c.native_json = GetBool(doc, "native_json");
  c.failover_slot = GetBool(doc, "failover_slot");
  c.stream_large_transactions = GetBool(doc, "stream_large_transactions", true);
  return c;
}

std::vector<std::string> SortingKeys(const PipeConfig& config, const std::string& schema,
                                     const std::string& table) {
  for (const TableMapping& m : config.tables)
    if (m.source_schema == schema && m.source_table == table) return m.sorting_keys;
  return {};
}

std::string PipeConfigToJson(const PipeConfig& c) {
  json tables = json::array();
  for (const auto& t : c.tables) {
    json table = {{"source", t.source_schema + "." + t.source_table}, {"target", t.target_table}};
    if (t.source_schema.find('.') != std::string::npos) {
      table["schema"] = t.source_schema;
      table["source"] = t.source_table;
    }
    // Only when set, so definitions recorded before the field existed read back unchanged.
    if (!t.exclude.empty()) table["exclude"] = t.exclude;
    if (!t.sorting_keys.empty()) table["sorting_keys"] = t.sorting_keys;
    if (!t.partition_column.empty()) table["partition_column"] = t.partition_column;
    if (!t.where.empty()) table["where"] = t.where;
    if (t.exclude_at_source) table["exclude_at_source"] = true;
    tables.push_back(std::move(table));
  }
  json doc = {
      {"name", c.name},
      {"source",
       {{"host", c.source.host},
        {"port", c.source.port},
        {"user", c.source.user},
        {"password", c.source.password},
        {"database", c.source.database},
        {"sslmode", c.source.sslmode}}},
      {"destination",
       {{"url", c.destination.url},
        {"user", c.destination.user},
        {"password", c.destination.password},
        {"database", c.destination.database}}},
      {"tables", tables},
      {"mode", ModeName(c.mode)},
      {"publication", c.publication},
      {"slot", c.slot},
      {"sync_interval_seconds", c.sync_interval_seconds},
      {"pull_batch_size", c.pull_batch_size},
  };
  // Written only when not the default, so a pipe recorded before these settings existed keeps
  // the same definition text (the runner refuses a pipe whose definition changed).
  if (c.snapshot_num_rows_per_partition != PipeConfig::kDefaultRowsPerPartition)
    doc["snapshot_num_rows_per_partition"] = c.snapshot_num_rows_per_partition;
  if (c.snapshot_max_parallel_workers != PipeConfig::kDefaultParallelWorkers)
    doc["snapshot_max_parallel_workers"] = c.snapshot_max_parallel_workers;
  if (c.snapshot_num_tables_in_parallel != PipeConfig::kDefaultTablesInParallel)
    doc["snapshot_num_tables_in_parallel"] = c.snapshot_num_tables_in_parallel;
  if (!c.source.sslrootcert.empty()) doc["source"]["sslrootcert"] = c.source.sslrootcert;
  if (!c.source.sslcert.empty()) doc["source"]["sslcert"] = c.source.sslcert;
  if (!c.source.sslkey.empty()) doc["source"]["sslkey"] = c.source.sslkey;
  if (!c.destination.ca_file.empty()) doc["destination"]["ca_file"] = c.destination.ca_file;
  if (c.destination.timeout_seconds != ClickHouseEndpoint::kDefaultTimeoutSeconds)
    doc["destination"]["timeout_seconds"] = c.destination.timeout_seconds;
  if (c.delete_on_merge) doc["delete_on_merge"] = true;
  if (c.native_json) doc["native_json"] = true;
  if (c.failover_slot) doc["failover_slot"] = true;
  if (!c.stream_large_transactions) doc["stream_large_transactions"] = false;
  if (c.pull_batch_bytes != PipeConfig::kDefaultPullBatchBytes)
    doc["pull_batch_bytes"] = c.pull_batch_bytes;
  if (c.spill_threshold_changes != PipeConfig::kDefaultSpillThresholdChanges)
    doc["spill_threshold_changes"] = c.spill_threshold_changes;
  if (c.stale_slot_holder_seconds != PipeConfig::kDefaultStaleSlotHolderSeconds)
    doc["stale_slot_holder_seconds"] = c.stale_slot_holder_seconds;
  return doc.dump(2);
}

std::string PipeApplicationName(const PipeConfig& config) {
  return ("pg2ch/" + config.slot).substr(0, 63);
}

}  // namespace pg2ch
