// The API's JSON shapes, modelled on ClickHouse Cloud's ClickPipes OpenAPI (`source.postgres`
// with credentials, settings and tableMappings; `destination.database`), and their mapping to
// PipeConfig. Passwords go in, never out: every rendering leaves them out.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "catalog/catalog.h"
#include "pipe/pipe_config.h"
#include "pipe/pipe_metrics.h"

namespace pg2ch {

// Used when a request leaves the destination's address out.
struct DestinationDefaults {
  std::string url = "http://127.0.0.1:8123";
  std::string user = "default";
  std::string password;
};

// A request body as JSON; ApiError{400} for anything else (a number beyond double included).
nlohmann::json ParseRequestBody(std::string_view body);

// Throws ApiError{400} naming the field at fault (in the request's own field names).
PipeConfig ClickPipeToConfig(const nlohmann::json& body, const DestinationDefaults& defaults);

// The pipe with the tables of a PATCH body (source.postgres.tableMappingsToAdd and
// tableMappingsToRemove) added and removed; 400 for anything else in the body, a table added
// twice, a removed table the pipe does not have, or no table left.
PipeConfig ChangeTableMappings(const PipeConfig& config, const nlohmann::json& body);

nlohmann::json SettingsToJson(const PipeConfig& config);
// Applies the fields present in `settings` (400 on unknown fields or bad values).
PipeConfig ApplySettings(const PipeConfig& config, const nlohmann::json& settings);
// A Paused pipe's source reached another way (a failover: host, port, credentials, TLS); its
// database cannot change, and CDC checks it is the same cluster (system identifier).
PipeConfig MoveSource(const PipeConfig& config, const nlohmann::json& body);

struct PipeView {
  PipeRecord record;
  PipeConfig config;
  std::vector<TableRecord> tables;
  std::shared_ptr<const PipeMetrics> metrics;  // may be null
  std::string retrying = "";  // why the pipe is retrying in its state (pipe_runner.h), "" if not
};
nlohmann::json RenderPipe(const PipeView& view);

// How far ClickHouse is behind what PostgreSQL sent: WAL bytes received but not durable, and,
// while there are any, the age of the last applied commit. nullopt without live metrics or
// before anything was received.
struct PipeLag {
  Lsn received = 0;
  uint64_t bytes = 0;
  double seconds = 0;
};
std::optional<PipeLag> PipeLagOf(const PipeView& view);
nlohmann::json RenderHistory(const std::vector<StateTransition>& history);

}  // namespace pg2ch
