#include "fakes/fake_pipe.h"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "pipe/source_table_json.h"

namespace pg2ch::fake {

SourceColumn Column(std::string name, uint32_t oid, std::string type, bool key) {
  SourceColumn c;
  c.name = std::move(name);
  c.type_oid = oid;
  c.type_name = std::move(type);
  c.is_key = key;
  c.nullable = !key;
  return c;
}

std::vector<SourceTable> ItemsAndNotes() {
  SourceTable items{"public",
                    "items",
                    kItems,
                    {Column("id", 23, "integer", true), Column("v", 25, "text", false)}};
  SourceTable notes{"public",
                    "notes",
                    kNotes,
                    {Column("k", 25, "text", true), Column("n", 23, "integer", false)}};
  return {items, notes};
}

PipeConfig ConfigFor(const std::string& name, const std::vector<SourceTable>& tables) {
  PipeConfig config;
  config.name = name;
  config.publication = "pub_" + name;
  config.slot = "slot_" + name;
  config.destination.database = "db";
  config.sync_interval_seconds = 0.02;
  config.pull_batch_size = 40;
  for (const SourceTable& t : tables)
    config.tables.push_back({t.schema, t.name, t.name, {}, {}, ""});
  return config;
}

int64_t CreateRunningPipe(Catalog& catalog, const PipeConfig& config,
                          const std::vector<SourceTable>& tables) {
  int64_t id = catalog.CreatePipe(config.name, PipeConfigToJson(config)).id;
  for (const SourceTable& t : tables)
    catalog.PutTable(id, {t.schema, t.name, t.name, SourceTableToJson(t), true, 0});
  catalog.Transition(id, PipeState::kSetup, "test");
  catalog.Transition(id, PipeState::kSnapshot, "test");
  catalog.Transition(id, PipeState::kRunning, "test");
  return id;
}

TempCatalog::TempCatalog(const std::string& hint) {
  std::string pattern = "/tmp/pg2ch-" + hint + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
  dir_ = pattern;
  catalog_ = std::make_unique<Catalog>(path());
}

TempCatalog::~TempCatalog() {
  catalog_.reset();
  std::filesystem::remove_all(dir_);
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace pg2ch::fake
