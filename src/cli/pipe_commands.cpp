// `pg2ch pipe ...`: drives a running `pg2ch server` over its REST API. Human-readable output by
// default, the API's JSON with --json. Exit code 1 when the server refuses a request.
#include <httplib.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "common/error.h"

namespace pg2ch::cli {
namespace {

using nlohmann::json;

struct ClientOptions {
  std::string server = "http://127.0.0.1:8080";
  std::string token_file;
  bool json_output = false;
};

struct Reply {
  int status = 0;
  json body;
};

Reply Call(const ClientOptions& o, const std::string& method, const std::string& path,
           const std::string& body = "") {
  httplib::Client client(o.server);
  client.set_connection_timeout(10);
  client.set_read_timeout(300);
  httplib::Headers headers = {{"Authorization", "Bearer " + ReadToken(o.token_file)}};
  auto send = [&]() -> httplib::Result {
    if (method == "GET") return client.Get(path, headers);
    if (method == "POST") return client.Post(path, headers, body, "application/json");
    if (method == "PUT") return client.Put(path, headers, body, "application/json");
    if (method == "PATCH") return client.Patch(path, headers, body, "application/json");
    return client.Delete(path, headers);
  };
  httplib::Result r = send();
  if (!r)
    ThrowFatal("cannot reach the pg2ch server at " + o.server + ": " +
               httplib::to_string(r.error()));
  Reply reply{r->status, json()};
  try {
    reply.body = json::parse(r->body);
  } catch (const json::exception&) {
    reply.body = {{"error", r->body}};
  }
  return reply;
}

std::string Text(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void PrintPipe(const json& p) {
  std::cout << "id:          " << Text(p["id"]) << "\n"
            << "name:        " << Text(p["name"]) << "\n"
            << "state:       " << Text(p["state"]) << "\n"
            << "mode:        " << Text(p["source"]["postgres"]["settings"]["replicationMode"])
            << "\n"
            << "source:      " << Text(p["source"]["postgres"]["host"]) << ":"
            << Text(p["source"]["postgres"]["port"]) << "/"
            << Text(p["source"]["postgres"]["database"]) << "\n"
            << "destination: " << Text(p["destination"]["url"]) << " database "
            << Text(p["destination"]["database"]) << "\n"
            << "checkpoint:  " << Text(p["checkpointLsn"]) << " (current " << Text(p["currentLsn"])
            << ", lag " << Text(p["replicationLagBytes"]) << " bytes, "
            << Text(p["replicationLagSeconds"]) << " s)\n"
            << "rows:        " << Text(p["rowsCopied"]) << " copied, "
            << Text(p["cdcChangesApplied"]) << " changes applied";
  if (p.value("cdcChangesHeld", 0) > 0)
    std::cout << ", " << Text(p["cdcChangesHeld"]) << " held until added tables are loaded";
  std::cout << "\n";
  if (!p["lastError"].is_null()) std::cout << "error:       " << Text(p["lastError"]) << "\n";
  if (p.contains("retrying") && !p["retrying"].is_null())
    std::cout << "retrying:    " << Text(p["retrying"]) << "\n";
  for (const auto& t : p["tables"])
    std::cout << "table:       " << Text(t["source"]) << " -> " << Text(t["target"]) << "  "
              << Text(t["state"]) << ", snapshot "
              << (t["snapshotDone"].get<bool>() ? "done" : "pending") << ", "
              << Text(t["rowsCopied"]) << " rows\n";
}

int Show(const ClientOptions& o, const Reply& r, const std::function<void(const json&)>& human) {
  if (r.status >= 300) {
    std::cerr << "error (" << r.status << "): " << Text(r.body.value("error", json("unknown")))
              << "\n";
    if (r.body.contains("problems"))
      for (const auto& p : r.body["problems"]) std::cerr << "  - " << Text(p) << "\n";
    return 1;
  }
  if (o.json_output)
    std::cout << r.body.dump(2) << "\n";
  else
    human(r.body);
  return 0;
}

// "schema.table" or "table" (schema public), optionally "=target_table", as an API table mapping.
json TableMappingArg(const std::string& arg) {
  std::string source = arg, target;
  if (auto eq = arg.find('='); eq != std::string::npos) {
    source = arg.substr(0, eq);
    target = arg.substr(eq + 1);
  }
  std::string schema = "public", table = source;
  if (auto dot = source.find('.'); dot != std::string::npos) {
    schema = source.substr(0, dot);
    table = source.substr(dot + 1);
  }
  if (table.empty()) ThrowFatal("expected schema.table[=target], got \"" + arg + "\"");
  json m = {{"sourceSchemaName", schema}, {"sourceTable", table}};
  if (!target.empty()) m["targetTable"] = target;
  return m;
}

}  // namespace

Command AddPipeCommands(CLI::App& app) {
  auto* pipe = app.add_subcommand("pipe", "manage pipes on a running pg2ch server");
  pipe->require_subcommand(1);
  auto o = std::make_shared<ClientOptions>();
  if (const char* env = std::getenv("PG2CH_SERVER")) o->server = env;
  pipe->add_option("--server", o->server, "server URL (env PG2CH_SERVER)")->capture_default_str();
  pipe->add_option("--token-file", o->token_file,
                   "file holding the API token (else env PG2CH_API_TOKEN)");
  pipe->add_flag("--json", o->json_output, "print the API's JSON");

  auto id = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto* create = pipe->add_subcommand("create", "create a pipe from a ClickPipes-shaped JSON file");
  create->add_option("--file", *file, "request body (JSON)")->required()->check(CLI::ExistingFile);
  auto* list = pipe->add_subcommand("list", "list pipes");
  std::map<std::string, CLI::App*> by_id;
  for (const char* name : {"get", "stop", "start", "resync", "delete", "history", "settings"}) {
    std::string help =
        std::string(name) == "settings"
            ? "show settings, or change them with --set key=value (pipe must be Paused)"
            : std::string(name) + " a pipe";
    by_id[name] = pipe->add_subcommand(name, help);
    by_id[name]->add_option("id", *id, "pipe id")->required();
  }
  by_id["settings"]->add_option("--set", *sets, "syncIntervalSeconds=5, pullBatchSize=50000, ...");
  auto tables = std::make_shared<std::vector<std::string>>();
  for (const char* name : {"add-tables", "remove-tables"}) {
    bool add = std::string(name) == "add-tables";
    by_id[name] = pipe->add_subcommand(
        name, add ? "add tables to a Running or Paused pipe (they are loaded while CDC goes on)"
                  : "remove tables from a Running or Paused pipe (ClickHouse tables are kept)");
    by_id[name]->add_option("id", *id, "pipe id")->required();
    by_id[name]
        ->add_option("tables", *tables,
                     add ? "schema.table, or schema.table=target_table" : "schema.table")
        ->required();
  }

  return [=]() -> int {
    if (!*pipe) return -1;
    const std::string base = "/v1/clickpipes";
    if (*create) return Show(*o, Call(*o, "POST", base, ReadFile(*file)), PrintPipe);
    if (*list)
      return Show(*o, Call(*o, "GET", base), [](const json& b) {
        std::cout << std::left << std::setw(6) << "ID" << std::setw(24) << "NAME" << std::setw(12)
                  << "STATE" << std::setw(14) << "CHECKPOINT"
                  << "LAG BYTES\n";
        for (const auto& p : b["result"])
          std::cout << std::setw(6) << Text(p["id"]) << std::setw(24) << Text(p["name"])
                    << std::setw(12) << Text(p["state"]) << std::setw(14)
                    << Text(p["checkpointLsn"]) << Text(p["replicationLagBytes"]) << "\n";
      });
    std::string path = base + "/" + *id;
    if (*by_id.at("get")) return Show(*o, Call(*o, "GET", path), PrintPipe);
    for (const char* command : {"stop", "start", "resync"})
      if (*by_id.at(command))
        return Show(*o, Call(*o, "PATCH", path + "/state", json{{"command", command}}.dump()),
                    [](const json& p) {
                      std::cout << Text(p["name"]) << ": " << Text(p["state"]) << "\n";
                    });
    if (*by_id.at("delete"))
      return Show(*o, Call(*o, "DELETE", path),
                  [&](const json&) { std::cout << "deleted pipe " << *id << "\n"; });
    if (*by_id.at("history"))
      return Show(*o, Call(*o, "GET", path + "/history"), [](const json& b) {
        for (const auto& t : b["result"])
          std::cout << Text(t["at"]) << "  " << Text(t["from"]) << " -> " << Text(t["to"]) << "  "
                    << Text(t["reason"]) << "\n";
      });
    for (const char* command : {"add-tables", "remove-tables"})
      if (*by_id.at(command)) {
        json mappings = json::array();
        for (const std::string& arg : *tables) mappings.push_back(TableMappingArg(arg));
        std::string key =
            std::string(command) == "add-tables" ? "tableMappingsToAdd" : "tableMappingsToRemove";
        json body = {{"source", {{"postgres", {{key, mappings}}}}}};
        return Show(*o, Call(*o, "PATCH", path, body.dump()), PrintPipe);
      }
    if (*by_id.at("settings")) {
      auto print = [](const json& s) {
        for (const auto& [k, v] : s.items()) std::cout << k << ": " << Text(v) << "\n";
      };
      if (sets->empty()) return Show(*o, Call(*o, "GET", path + "/settings"), print);
      json patch = json::object();
      for (const auto& kv : *sets) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) ThrowFatal("--set takes key=value, got " + kv);
        std::string value = kv.substr(eq + 1);
        try {
          patch[kv.substr(0, eq)] = json::parse(value);  // numbers stay numbers
        } catch (const json::exception&) {
          patch[kv.substr(0, eq)] = value;
        }
      }
      return Show(*o, Call(*o, "PUT", path + "/settings", patch.dump()), print);
    }
    return 2;
  };
}

}  // namespace pg2ch::cli
