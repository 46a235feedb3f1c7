// The handlers of the API's routes. Each returns an ApiResponse or throws ApiError.
#include "api/api_server.h"
#include "api/prometheus_metrics.h"
#include "common/error.h"
#include "pipe/pipe_context.h"
#include "pipe/pipe_validation.h"

namespace pg2ch {
namespace {

using nlohmann::json;

int64_t PipeId(const ApiRequest& r) {
  const std::string& text = r.params.at(0);
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    throw ApiError{404, "no pipe with id " + text};
  return std::stoll(text);
}

json ParseBody(const ApiRequest& r) { return ParseRequestBody(r.body); }

// 400 listing every problem found by validation.
ApiResponse ProblemsResponse(const std::vector<std::string>& problems) {
  std::string all;
  for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
  return ApiResponse{400, {{"error", all}, {"problems", problems}}};
}

PipeRecord Find(Catalog& catalog, int64_t id) {
  auto record = catalog.FindPipeById(id);
  if (!record) throw ApiError{404, "no pipe with id " + std::to_string(id)};
  return *record;
}

}  // namespace

std::vector<Route> ApiServer::BuildRoutes() {
  auto pipe_view = [this](Catalog& catalog, const PipeRecord& record) {
    // A definition the catalog holds but cannot read still shows the pipe, state and error.
    PipeConfig config;
    try {
      config = ParsePipeConfig(record.config_json);
    } catch (const PipeError&) {
      config.name = record.name;
    }
    return PipeView{record, config, catalog.Tables(record.id), supervisor_.Metrics(record.id),
                    RetryingReason(catalog, record.id)};
  };
  auto view = [=](Catalog& catalog, const PipeRecord& record) {
    return RenderPipe(pipe_view(catalog, record));
  };
  auto catalog = [this] { return supervisor_.ConnectCatalog(); };
  std::vector<Route> routes;

  routes.push_back({"GET", "/health", "Liveness check (no token needed)", false, "", "Health",
                    [](const ApiRequest&) {
                      return ApiResponse{200, {{"status", "ok"}}};
                    }});

  routes.push_back(
      {"GET", "/openapi.json", "This OpenAPI document", true, "", "", [this](const ApiRequest&) {
         return ApiResponse{200, OpenApi()};
       }});

  routes.push_back(
      {"GET", "/metrics", "Every pipe's state, load progress, CDC counters and lag for Prometheus",
       true, "", "",
       [=, this](const ApiRequest&) {
         auto c = catalog();
         std::vector<PipeView> views;
         for (const auto& p : c->ListPipes()) views.push_back(pipe_view(*c, p));
         return ApiResponse{200, nullptr, RenderPrometheus(views), kPrometheusContentType};
       },
       "text/plain"});

  routes.push_back({"GET", "/v1/clickpipes", "List pipes", true, "", "ClickPipeList",
                    [=, this](const ApiRequest&) {
                      auto c = catalog();
                      json list = json::array();
                      for (const auto& p : c->ListPipes()) list.push_back(view(*c, p));
                      return ApiResponse{200, {{"result", list}}};
                    }});

  routes.push_back(
      {"POST", "/v1/clickpipes",
       "Create a pipe; validated against the servers first (400 lists every problem)", true,
       "ClickPipeCreate", "ClickPipe", [=, this](const ApiRequest& r) {
         PipeConfig config = ClickPipeToConfig(ParseBody(r), defaults_);
         {
           auto c = catalog();
           if (c->FindPipe(config.name))
             throw ApiError{409, "a pipe named \"" + config.name + "\" exists already"};
         }
         std::vector<std::string> notices;
         std::vector<std::string> problems = ValidatePipe(config, &notices);
         if (!problems.empty()) return ProblemsResponse(problems);
         PipeRecord record = supervisor_.Create(config);
         auto c = catalog();
         auto body = view(*c, Find(*c, record.id));
         body["notices"] = notices;  // how some tables replicate (keyless, generated columns)
         return ApiResponse{201, body};
       }});

  routes.push_back({"GET", "/v1/clickpipes/{id}", "Get a pipe: state, progress, lag", true, "",
                    "ClickPipe", [=, this](const ApiRequest& r) {
                      auto c = catalog();
                      return ApiResponse{200, view(*c, Find(*c, PipeId(r)))};
                    }});

  routes.push_back(
      {"PATCH", "/v1/clickpipes/{id}",
       "Add and remove tables (source.postgres.tableMappingsToAdd / tableMappingsToRemove) of a "
       "Running or Paused pipe: Modifying, then Snapshot while added tables load and CDC goes on, "
       "then Running; removed tables keep their ClickHouse tables",
       true, "ClickPipePatch", "ClickPipe", [=, this](const ApiRequest& r) {
         int64_t id = PipeId(r);
         auto c = catalog();
         PipeRecord record = Find(*c, id);
         PipeConfig current = ParsePipeConfig(record.config_json);
         PipeConfig updated = ChangeTableMappings(current, ParseBody(r));
         if (current.mode == ReplicationMode::kSnapshotOnly)
           throw ApiError{409, "a snapshot-only pipe cannot change its tables"};
         std::vector<TableMapping> added;
         for (const TableMapping& m : updated.tables) {
           bool known = false;
           for (const TableMapping& k : current.tables)
             known =
                 known || (k.source_schema == m.source_schema && k.source_table == m.source_table);
           if (!known) added.push_back(m);
         }
         std::vector<std::string> problems =
             ValidateAddedTables(updated, added, PublicationOwned(*c, id));
         if (!problems.empty()) return ProblemsResponse(problems);
         supervisor_.ChangeTables(id, updated);
         return ApiResponse{200, view(*c, Find(*c, id))};
       }});

  routes.push_back({"DELETE", "/v1/clickpipes/{id}",
                    "Delete a pipe: stops it, drops its slot (and its publication if pg2ch "
                    "created it); ClickHouse data is kept",
                    true, "", "Deleted", [=, this](const ApiRequest& r) {
                      supervisor_.Delete(PipeId(r));
                      return ApiResponse{200, {{"deleted", true}}};
                    }});

  routes.push_back(
      {"GET", "/v1/clickpipes/{id}/settings", "Get a pipe's settings", true, "", "Settings",
       [=, this](const ApiRequest& r) {
         auto c = catalog();
         return ApiResponse{200, SettingsToJson(ParsePipeConfig(Find(*c, PipeId(r)).config_json))};
       }});

  routes.push_back({"PUT", "/v1/clickpipes/{id}/settings",
                    "Change settings (only while Paused; applied on start)", true, "Settings",
                    "Settings", [=, this](const ApiRequest& r) {
                      int64_t id = PipeId(r);
                      auto c = catalog();
                      PipeConfig updated =
                          ApplySettings(ParsePipeConfig(Find(*c, id).config_json), ParseBody(r));
                      supervisor_.UpdateConfig(id, updated);
                      return ApiResponse{200, SettingsToJson(updated)};
                    }});

  routes.push_back(
      {"PUT", "/v1/clickpipes/{id}/source",
       "Reach a Paused pipe's source another way (host, port, credentials, TLS): after a "
       "failover, the promoted standby; on start CDC checks that it is the same cluster (its "
       "system identifier) and goes on from the failover slot",
       true, "SourceConnection", "ClickPipe", [=, this](const ApiRequest& r) {
         int64_t id = PipeId(r);
         auto c = catalog();
         PipeConfig moved = MoveSource(ParsePipeConfig(Find(*c, id).config_json), ParseBody(r));
         supervisor_.UpdateConfig(id, moved);
         return ApiResponse{200, view(*c, Find(*c, id))};
       }});

  routes.push_back(
      {"PATCH", "/v1/clickpipes/{id}/state",
       "Run a lifecycle command: stop (Running/Snapshot -> Pausing -> Paused), start (Paused/"
       "Failed -> Running, or Snapshot when the load was unfinished) or resync (reload every "
       "table into <table>_resync under a new slot, then swap them in: Snapshot -> Resync -> "
       "Running)",
       true, "StateCommand", "ClickPipe", [=, this](const ApiRequest& r) {
         int64_t id = PipeId(r);
         json body = ParseBody(r);
         if (!body.is_object() || !body.contains("command") || !body["command"].is_string())
           throw ApiError{400, "command: is required (\"stop\", \"start\" or \"resync\")"};
         std::string command = body["command"];
         if (command == "stop")
           supervisor_.Stop(id);
         else if (command == "start")
           supervisor_.Start(id);
         else if (command == "resync")
           supervisor_.Resync(id);
         else
           throw ApiError{400, "command: unknown command \"" + command +
                                   "\" (supported: stop, start, resync)"};
         auto c = catalog();
         return ApiResponse{200, view(*c, Find(*c, id))};
       }});

  routes.push_back({"GET", "/v1/clickpipes/{id}/history",
                    "Every state transition of the pipe, with time and reason", true, "", "History",
                    [=, this](const ApiRequest& r) {
                      auto c = catalog();
                      int64_t id = PipeId(r);
                      Find(*c, id);
                      return ApiResponse{200, {{"result", RenderHistory(c->History(id))}}};
                    }});
  return routes;
}

}  // namespace pg2ch
