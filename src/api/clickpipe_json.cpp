#include "api/clickpipe_json.h"

#include <chrono>
#include <utility>

#include "common/error.h"
#include "server/pipe_supervisor.h"
#include "source/postgres/replication_wire.h"

namespace pg2ch {
namespace {

using nlohmann::json;

[[noreturn]] void Bad(const std::string& field, const std::string& problem) {
  throw ApiError{400, field + ": " + problem};
}

const json& Object(const json& parent, const char* key, const std::string& where) {
  auto it = parent.find(key);
  if (it == parent.end()) Bad(where + key, "is required");
  if (!it->is_object()) Bad(where + key, "must be an object");
  return *it;
}

// Our pipe-file field names in validation messages, spelt as this API spells them.
const std::pair<const char*, const char*> kFieldNames[] = {
    {"source.host", "source.postgres.host"},
    {"source.port", "source.postgres.port"},
    {"source.user", "source.postgres.credentials.username"},
    {"source.database", "source.postgres.database"},
    {"source.sslmode", "source.postgres.sslmode"},
    {"source.sslrootcert", "source.postgres.sslrootcert"},
    {"source.sslcert", "source.postgres.sslcert"},
    {"source.sslkey", "source.postgres.sslkey"},
    {"destination.ca_file", "destination.caFile"},
    {"destination.url", "destination.url"},
    {"destination.database", "destination.database"},
    {"sync_interval_seconds", "source.postgres.settings.syncIntervalSeconds"},
    {"pull_batch_size", "source.postgres.settings.pullBatchSize"},
    {"publication", "source.postgres.settings.publicationName"},
    {"slot", "source.postgres.settings.replicationSlotName"},
    {"mode", "source.postgres.settings.replicationMode"},
    {"snapshot_num_rows_per_partition", "source.postgres.settings.snapshotNumRowsPerPartition"},
    {"snapshot_max_parallel_workers", "source.postgres.settings.initialLoadParallelism"},
    {"snapshot_num_tables_in_parallel", "source.postgres.settings.snapshotNumberOfParallelTables"},
    {"tables", "source.postgres.tableMappings"},
};

// "[0].exclude: ..." as "[0].excludedColumns: ...".
std::string ApiTableFieldNames(std::string rest) {
  static const std::pair<const char*, const char*> kTableFields[] = {
      {".exclude:", ".excludedColumns:"},
      {".where:", ".rowFilter:"},
      {".exclude_at_source:", ".excludeAtSource:"},
      {".sorting_keys:", ".sortingKeys:"},
      {".source:", ".sourceTable:"},
      {".target:", ".targetTable:"}};
  for (const auto& [ours, theirs] : kTableFields)
    if (auto at = rest.find(ours); at != std::string::npos && at < rest.find(' '))
      return rest.replace(at, std::string(ours).size(), theirs);
  return rest;
}

std::string ApiFieldNames(std::string message) {
  const std::string prefix = "pipe definition: ";
  if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
  for (const auto& [ours, theirs] : kFieldNames)
    if (message.rfind(std::string(ours) + ":", 0) == 0 ||
        message.rfind(std::string(ours) + "[", 0) == 0)
      return theirs + ApiTableFieldNames(message.substr(std::string(ours).size()));
  return message;
}

std::string ModeToApi(ReplicationMode m) {
  switch (m) {
    case ReplicationMode::kSnapshotAndCdc:
      return "cdc";
    case ReplicationMode::kCdcOnly:
      return "cdc_only";
    case ReplicationMode::kSnapshotOnly:
      return "snapshot";
  }
  return "cdc";
}

// Copies an API settings object onto our pipe-file JSON (validated later by ParsePipeConfig).
void SettingsOnto(const json& settings, json& pipe) {
  static const std::pair<const char*, const char*> kSettings[] = {
      {"syncIntervalSeconds", "sync_interval_seconds"},
      {"pullBatchSize", "pull_batch_size"},
      {"publicationName", "publication"},
      {"replicationSlotName", "slot"},
      {"replicationMode", "mode"},
      {"deleteOnMerge", "delete_on_merge"},
      {"nativeJson", "native_json"},
      {"failoverSlot", "failover_slot"},
      {"streamLargeTransactions", "stream_large_transactions"},
      {"snapshotNumRowsPerPartition", "snapshot_num_rows_per_partition"},
      {"initialLoadParallelism", "snapshot_max_parallel_workers"},
      {"snapshotNumberOfParallelTables", "snapshot_num_tables_in_parallel"},
  };
  if (!settings.is_object()) Bad("source.postgres.settings", "must be an object");
  for (const auto& [key, value] : settings.items()) {
    bool known = false;
    for (const auto& [api, ours] : kSettings)
      if (key == api) {
        pipe[ours] = value;
        known = true;
      }
    if (!known) Bad("source.postgres.settings." + key, "unknown setting");
  }
}

// An API tableMappings array as our pipe file's tables array.
json TableMappings(const json& value, const std::string& field) {
  if (!value.is_array()) Bad(field, "must be an array");
  json tables = json::array();
  for (size_t i = 0; i < value.size(); ++i) {
    const json& m = value[i];
    std::string where = field + "[" + std::to_string(i) + "]";
    if (!m.is_object()) Bad(where, "must be an object");
    std::string schema = "public", table, target, row_filter;
    json exclude, sorting_keys, exclude_at_source;  // checked by ParsePipeConfig
    for (const auto& [mk, mv] : m.items()) {
      if (mk == "excludedColumns") {
        exclude = mv;
        continue;
      }
      if (mk == "sortingKeys") {
        sorting_keys = mv;
        continue;
      }
      if (mk == "excludeAtSource") {
        exclude_at_source = mv;
        continue;
      }
      if (mk == "tableEngine" || mk == "partitionKey") Bad(where + "." + mk, "not supported yet");
      if (!mv.is_string()) Bad(where + "." + mk, "must be a string");
      if (mk == "rowFilter")
        row_filter = mv.get<std::string>();
      else if (mk == "sourceSchemaName")
        schema = mv.get<std::string>();
      else if (mk == "sourceTable")
        table = mv.get<std::string>();
      else if (mk == "targetTable")
        target = mv.get<std::string>();
      else
        Bad(where + "." + mk, "unknown field");
    }
    if (table.empty()) Bad(where + ".sourceTable", "is required");
    json t = {{"source", schema + "." + table}};
    if (!target.empty()) t["target"] = target;
    if (!exclude.is_null()) t["exclude"] = exclude;
    if (!sorting_keys.is_null()) t["sorting_keys"] = sorting_keys;
    if (!row_filter.empty()) t["where"] = row_filter;
    if (!exclude_at_source.is_null()) t["exclude_at_source"] = exclude_at_source;
    tables.push_back(t);
  }
  return tables;
}

}  // namespace

json ParseRequestBody(std::string_view body) {
  try {
    return json::parse(body);
  } catch (const json::exception& e) {  // parse_error, or a number out of range
    throw ApiError{400, std::string("body is not valid JSON: ") + e.what()};
  }
}

namespace {

PipeConfig Parse(const json& pipe) {
  try {
    return ParsePipeConfig(pipe.dump());
  } catch (const PipeError& e) {
    throw ApiError{400, ApiFieldNames(e.what())};
  }
}

// One table's part of the pipe's state: while the pipe runs, a table still loading is in
// Snapshot (also when it was added to a Running pipe) and a loaded one Running (or Completed);
// otherwise the pipe's state is every table's.
std::string TableState(PipeState pipe, ReplicationMode mode, bool loaded) {
  if (pipe != PipeState::kSnapshot && pipe != PipeState::kRunning && pipe != PipeState::kCompleted)
    return std::string(StateName(pipe));
  if (!loaded && mode != ReplicationMode::kCdcOnly) return "Snapshot";
  if (mode == ReplicationMode::kSnapshotOnly) return loaded ? "Completed" : "Snapshot";
  return "Running";
}

// How the source is reached, one API field at a time into our pipe file's source object; false for
// a field that is not about that.
bool ConnectionField(const std::string& key, const json& value, json& source) {
  if (key == "host" || key == "port" || key == "sslmode" || key == "sslrootcert" ||
      key == "sslcert" || key == "sslkey") {
    source[key] = value;
    return true;
  }
  if (key != "credentials") return false;
  if (!value.is_object()) Bad("source.postgres.credentials", "must be an object");
  for (const auto& [ck, cv] : value.items()) {
    if (ck == "username")
      source["user"] = cv;
    else if (ck == "password")
      source["password"] = cv;
    else
      Bad("source.postgres.credentials." + ck, "unknown field");
  }
  return true;
}

}  // namespace

PipeConfig MoveSource(const PipeConfig& config, const json& body) {
  if (!body.is_object()) Bad("body", "must be a JSON object");
  json pipe = json::parse(PipeConfigToJson(config));
  for (const auto& [key, value] : body.items())
    if (!ConnectionField(key, value, pipe["source"]))
      Bad(key, key == "database" ? "cannot change on an existing pipe"
                                 : "unknown field (host, port, credentials, sslmode, "
                                   "sslrootcert, sslcert, sslkey)");
  return Parse(pipe);
}

PipeConfig ClickPipeToConfig(const json& body, const DestinationDefaults& defaults) {
  if (!body.is_object()) Bad("body", "must be a JSON object");
  for (const auto& [key, value] : body.items())
    if (key != "name" && key != "source" && key != "destination") Bad(key, "unknown field");
  const json& pg = Object(Object(body, "source", ""), "postgres", "source.");
  const json& dst = Object(body, "destination", "");
  json pipe = json::object();
  if (body.contains("name")) pipe["name"] = body["name"];
  json source = json::object();
  for (const auto& [key, value] : pg.items()) {
    if (key == "database") {
      source[key] = value;
    } else if (ConnectionField(key, value, source)) {
    } else if (key == "settings") {
      SettingsOnto(value, pipe);
    } else if (key == "tableMappings") {
      pipe["tables"] = TableMappings(value, "source.postgres.tableMappings");
    } else {
      Bad("source.postgres." + key, "unknown field");
    }
  }
  pipe["source"] = source;
  json destination = {
      {"url", defaults.url}, {"user", defaults.user}, {"password", defaults.password}};
  for (const auto& [key, value] : dst.items()) {
    if (key == "database" || key == "url" || key == "user" || key == "password")
      destination[key] = value;
    else if (key == "caFile")
      destination["ca_file"] = value;
    else
      Bad("destination." + key, "unknown field");
  }
  pipe["destination"] = destination;
  return Parse(pipe);
}

PipeConfig ChangeTableMappings(const PipeConfig& config, const json& body) {
  if (!body.is_object()) Bad("body", "must be a JSON object");
  for (const auto& [key, value] : body.items())
    if (key != "source")
      Bad(key,
          "cannot change on an existing pipe (tables change through "
          "source.postgres.tableMappingsToAdd and tableMappingsToRemove)");
  const json& pg = Object(Object(body, "source", ""), "postgres", "source.");
  json add = json::array(), remove = json::array();
  for (const auto& [key, value] : pg.items()) {
    if (key == "tableMappingsToAdd")
      add = TableMappings(value, "source.postgres.tableMappingsToAdd");
    else if (key == "tableMappingsToRemove")
      remove = TableMappings(value, "source.postgres.tableMappingsToRemove");
    else
      Bad("source.postgres." + key, "cannot change on an existing pipe");
  }
  if (add.empty() && remove.empty())
    Bad("source.postgres", "give tableMappingsToAdd or tableMappingsToRemove");

  json pipe = json::parse(PipeConfigToJson(config));
  json kept = json::array();
  for (const json& t : pipe["tables"]) {
    bool removed = false;
    for (const json& r : remove) removed = removed || r["source"] == t["source"];
    if (!removed) kept.push_back(t);
  }
  for (size_t i = 0; i < remove.size(); ++i) {
    bool known = false;
    for (const json& t : pipe["tables"]) known = known || remove[i]["source"] == t["source"];
    if (!known)
      Bad("source.postgres.tableMappingsToRemove[" + std::to_string(i) + "]",
          remove[i]["source"].get<std::string>() + " is not a table of this pipe");
  }
  for (size_t i = 0; i < add.size(); ++i) {
    for (const json& t : kept)
      if (t["source"] == add[i]["source"])
        Bad("source.postgres.tableMappingsToAdd[" + std::to_string(i) + "]",
            add[i]["source"].get<std::string>() + " is in the pipe already");
    kept.push_back(add[i]);
  }
  if (kept.empty()) Bad("source.postgres.tableMappingsToRemove", "would leave the pipe no table");
  pipe["tables"] = kept;
  return Parse(pipe);
}

json SettingsToJson(const PipeConfig& c) {
  return {{"syncIntervalSeconds", c.sync_interval_seconds},
          {"pullBatchSize", c.pull_batch_size},
          {"publicationName", c.publication},
          {"replicationSlotName", c.slot},
          {"replicationMode", ModeToApi(c.mode)},
          {"deleteOnMerge", c.delete_on_merge},
          {"nativeJson", c.native_json},
          {"failoverSlot", c.failover_slot},
          {"streamLargeTransactions", c.stream_large_transactions},
          {"snapshotNumRowsPerPartition", c.snapshot_num_rows_per_partition},
          {"initialLoadParallelism", c.snapshot_max_parallel_workers},
          {"snapshotNumberOfParallelTables", c.snapshot_num_tables_in_parallel}};
}

PipeConfig ApplySettings(const PipeConfig& config, const json& settings) {
  json pipe = json::parse(PipeConfigToJson(config));
  if (!settings.is_object()) Bad("body", "must be a JSON object of settings");
  for (const auto& [key, value] : settings.items())
    if (key == "publicationName" || key == "replicationSlotName" || key == "replicationMode" ||
        key == "deleteOnMerge")
      Bad(key, "cannot change on an existing pipe");
  SettingsOnto(settings, pipe);
  return Parse(pipe);
}

json RenderPipe(const PipeView& v) {
  const PipeConfig& c = v.config;
  json mappings = json::array();
  json tables = json::array();
  for (const auto& t : c.tables)
    mappings.push_back({{"sourceSchemaName", t.source_schema},
                        {"sourceTable", t.source_table},
                        {"targetTable", t.target_table},
                        {"excludedColumns", t.exclude},
                        {"sortingKeys", t.sorting_keys},
                        {"rowFilter", t.where.empty() ? json(nullptr) : json(t.where)},
                        {"excludeAtSource", t.exclude_at_source}});
  for (const auto& t : v.tables)
    tables.push_back({{"source", t.source_schema + "." + t.source_table},
                      {"target", t.target_table},
                      {"state", TableState(v.record.state, c.mode, t.snapshot_done)},
                      {"snapshotDone", t.snapshot_done},
                      {"rowsCopied", t.rows_copied}});
  json out = {
      {"id", std::to_string(v.record.id)},
      {"name", v.record.name},
      {"state", std::string(StateName(v.record.state))},
      {"source",
       {{"postgres",
         {{"host", c.source.host},
          {"port", c.source.port},
          {"database", c.source.database},
          {"sslmode", c.source.sslmode},
          {"sslrootcert", c.source.sslrootcert},
          {"sslcert", c.source.sslcert},
          {"sslkey", c.source.sslkey},
          {"credentials", {{"username", c.source.user}}},
          {"settings", SettingsToJson(c)},
          {"tableMappings", mappings}}}}},
      {"destination",
       {{"database", c.destination.database},
        {"url", c.destination.url},
        {"caFile", c.destination.ca_file},
        {"user", c.destination.user}}},
      {"tables", tables},
      {"lastError",
       v.record.state == PipeState::kFailed ? json(v.record.last_error) : json(nullptr)},
      {"retrying", v.retrying.empty() ? json(nullptr) : json(v.retrying)},
      {"checkpointLsn", FormatLsn(v.record.checkpoint_lsn)},
      {"snapshotLsn", FormatLsn(v.record.snapshot_lsn)},
  };
  std::optional<PipeLag> lag = PipeLagOf(v);
  out["currentLsn"] = lag ? json(FormatLsn(lag->received)) : json(nullptr);
  out["replicationLagBytes"] = lag ? json(lag->bytes) : json(nullptr);
  out["replicationLagSeconds"] = lag ? json(lag->seconds) : json(nullptr);
  out["rowsSynced"] =
      v.metrics ? v.metrics->snapshot_rows.load() + v.metrics->cdc_changes.load() : 0;
  out["cdcChangesApplied"] = v.metrics ? v.metrics->cdc_changes.load() : 0;
  out["cdcChangesHeld"] = v.metrics ? v.metrics->held_changes.load() : 0;
  int64_t copied = 0;
  for (const auto& t : v.tables) copied += t.rows_copied;
  out["rowsCopied"] = copied;
  return out;
}

std::optional<PipeLag> PipeLagOf(const PipeView& v) {
  if (!v.metrics) return std::nullopt;
  PipeLag lag;
  lag.received = v.metrics->received_lsn.load();
  if (lag.received == 0) return std::nullopt;
  const Lsn checkpoint = v.record.checkpoint_lsn;
  lag.bytes = lag.received > checkpoint ? lag.received - checkpoint : 0;
  const int64_t last_commit = v.metrics->last_commit_time.load();
  if (lag.bytes > 0 && last_commit != 0)
    lag.seconds = std::max(0.0, static_cast<double>(PgNowMicros() - last_commit) / 1e6);
  return lag;
}

json RenderHistory(const std::vector<StateTransition>& history) {
  json out = json::array();
  for (const auto& t : history)
    out.push_back({{"from", t.from ? json(std::string(StateName(*t.from))) : json(nullptr)},
                   {"to", std::string(StateName(t.to))},
                   {"at", t.at},
                   {"reason", t.reason}});
  return out;
}

}  // namespace pg2ch
