// The OpenAPI 3 document, generated from the route table plus the schemas below.
#include "api/api_server.h"

namespace pg2ch {
namespace {

using nlohmann::json;

json Str() { return {{"type", "string"}}; }
json Int() { return {{"type", "integer"}}; }
json Num() { return {{"type", "number"}}; }
json Obj(json properties, json required = json::array()) {
  json o = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) o["required"] = std::move(required);
  return o;
}
json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }
json ArrayOf(json items) { return {{"type", "array"}, {"items", std::move(items)}}; }

json Schemas() {
  json states = {{"type", "string"},
                 {"enum",
                  {"Provisioning", "Setup", "Snapshot", "Running", "Pausing", "Paused", "Modifying",
                   "Resync", "Completed", "Failed"}}};
  json from_state = states;  // null for the creation
  from_state["nullable"] = true;
  json settings =
      Obj({{"syncIntervalSeconds", Num()},
           {"pullBatchSize", Int()},
           {"publicationName", Str()},
           {"replicationSlotName", Str()},
           {"replicationMode", {{"type", "string"}, {"enum", {"cdc", "snapshot", "cdc_only"}}}},
           {"deleteOnMerge", {{"type", "boolean"}}},
           {"nativeJson", {{"type", "boolean"}}},
           {"failoverSlot", {{"type", "boolean"}}},
           {"streamLargeTransactions", {{"type", "boolean"}}},
           {"snapshotNumRowsPerPartition", Int()},
           {"initialLoadParallelism", Int()},
           {"snapshotNumberOfParallelTables", Int()}});
  json mapping = Obj({{"sourceSchemaName", Str()},
                      {"sourceTable", Str()},
                      {"targetTable", Str()},
                      {"excludedColumns", ArrayOf(Str())},
                      {"sortingKeys", ArrayOf(Str())},
                      {"rowFilter", Str()},
                      {"excludeAtSource", {{"type", "boolean"}}}},
                     {"sourceTable"});
  json postgres = Obj({{"host", Str()},
                       {"port", Int()},
                       {"database", Str()},
                       {"sslmode", Str()},
                       {"sslrootcert", Str()},
                       {"sslcert", Str()},
                       {"sslkey", Str()},
                       {"credentials", Obj({{"username", Str()}, {"password", Str()}})},
                       {"settings", Ref("Settings")},
                       {"tableMappings", ArrayOf(mapping)}},
                      {"database", "credentials", "tableMappings"});
  json destination = Obj({{"database", Str()},
                          {"url", Str()},
                          {"caFile", Str()},
                          {"user", Str()},
                          {"password", Str()}},
                         {"database"});
  return {
      {"Health", Obj({{"status", Str()}})},
      {"Error", Obj({{"error", Str()}, {"problems", ArrayOf(Str())}})},
      {"Settings", settings},
      {"ClickPipeCreate", Obj({{"name", Str()},
                               {"source", Obj({{"postgres", postgres}})},
                               {"destination", destination}},
                              {"name", "source", "destination"})},
      {"SourceConnection", Obj({{"host", Str()},
                                {"port", Int()},
                                {"sslmode", Str()},
                                {"sslrootcert", Str()},
                                {"sslcert", Str()},
                                {"sslkey", Str()},
                                {"credentials", Obj({{"username", Str()}, {"password", Str()}})}})},
      {"ClickPipePatch",
       Obj({{"source", Obj({{"postgres", Obj({{"tableMappingsToAdd", ArrayOf(mapping)},
                                              {"tableMappingsToRemove", ArrayOf(mapping)}})}},
                           {"postgres"})}},
           {"source"})},
      {"ClickPipe", Obj({{"id", Str()},
                         {"name", Str()},
                         {"state", states},
                         {"source", Obj({{"postgres", postgres}})},
                         {"destination", destination},
                         {"tables", ArrayOf(Obj({{"source", Str()},
                                                 {"target", Str()},
                                                 {"state", states},
                                                 {"snapshotDone", {{"type", "boolean"}}},
                                                 {"rowsCopied", Int()}}))},
                         {"lastError", {{"type", "string"}, {"nullable", true}}},
                         {"retrying", {{"type", "string"}, {"nullable", true}}},
                         {"checkpointLsn", Str()},
                         {"snapshotLsn", Str()},
                         {"currentLsn", {{"type", "string"}, {"nullable", true}}},
                         {"replicationLagBytes", {{"type", "integer"}, {"nullable", true}}},
                         {"replicationLagSeconds", {{"type", "number"}, {"nullable", true}}},
                         {"rowsSynced", Int()},
                         {"rowsCopied", Int()},
                         {"cdcChangesApplied", Int()},
                         {"cdcChangesHeld", Int()}})},
      {"ClickPipeList", Obj({{"result", ArrayOf(Ref("ClickPipe"))}})},
      {"StateCommand",
       Obj({{"command", {{"type", "string"}, {"enum", {"stop", "start", "resync"}}}}},
           {"command"})},
      {"History",
       Obj({{"result",
             ArrayOf(
                 Obj({{"from", from_state}, {"to", states}, {"at", Str()}, {"reason", Str()}}))}})},
      {"Deleted", Obj({{"deleted", {{"type", "boolean"}}}})},
  };
}

}  // namespace

json ApiServer::OpenApi() const {
  json paths = json::object();
  for (const Route& r : routes_) {
    json op = {{"summary", r.summary}};
    json params = json::array();
    for (size_t pos = r.path.find('{'); pos != std::string::npos; pos = r.path.find('{', pos + 1)) {
      std::string name = r.path.substr(pos + 1, r.path.find('}', pos) - pos - 1);
      params.push_back({{"name", name}, {"in", "path"}, {"required", true}, {"schema", Str()}});
    }
    if (!params.empty()) op["parameters"] = params;
    if (!r.request_schema.empty())
      op["requestBody"] = {
          {"required", true},
          {"content", {{"application/json", {{"schema", Ref(r.request_schema)}}}}}};
    json ok = {{"description", "success"}};
    if (!r.response_schema.empty())
      ok["content"] = {{r.response_type, {{"schema", Ref(r.response_schema)}}}};
    else if (r.response_type != "application/json")
      ok["content"] = {{r.response_type, {{"schema", Str()}}}};
    json error = {{"description", "error"},
                  {"content", {{"application/json", {{"schema", Ref("Error")}}}}}};
    op["responses"] = {{r.method == "POST" ? "201" : "200", ok}, {"default", error}};
    op["security"] = r.needs_auth ? json::array({{{"bearer", json::array()}}}) : json::array();
    std::string method = r.method;
    for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    paths[r.path][method] = op;
  }
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "pg2ch API"},
            {"version", "1"},
            {"description", "PostgreSQL to ClickHouse pipes, shaped like ClickPipes' API"}}},
          {"paths", paths},
          {"components",
           {{"schemas", Schemas()},
            {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace pg2ch
