#include "fakes/fake_pipe.h"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "fakes/fake_ports.h"
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
    config.tables.push_back({t.schema, t.name, t.name, {}, {}, "", ""});
  return config;
}

Row R(std::initializer_list<const char*> cells) {
  Row row;
  for (const char* c : cells) row.push_back(c ? Cell::Text(c) : Cell::Null());
  return row;
}

RowChange Change(ChangeOp op, uint32_t relid, Row row, Row old) {
  RowChange c;
  c.op = op;
  c.relid = relid;
  c.row = std::move(row);
  c.old_row = std::move(old);
  return c;
}
RowChange Insert(uint32_t relid, Row row) {
  return Change(ChangeOp::kInsert, relid, std::move(row));
}
RowChange Update(uint32_t relid, Row row, Row old) {
  return Change(ChangeOp::kUpdate, relid, std::move(row), std::move(old));
}
RowChange Delete(uint32_t relid, Row key) {
  return Change(ChangeOp::kDelete, relid, std::move(key));
}

Transaction Txn(std::vector<RowChange> changes) {
  Transaction t;
  for (uint32_t i = 0; i < changes.size(); ++i) changes[i].ordinal = i;
  t.changes = std::move(changes);
  t.commit_time = 1;
  return t;
}

void CommitLoad(FakeWal& wal, int round, int transactions) {
  for (int i = 0; i < transactions; ++i) {
    std::string id = std::to_string(round * 1000 + i);
    std::string v = "v" + id;
    wal.Commit(Txn({Insert(kItems, R({id.c_str(), v.c_str()})),
                    Insert(kNotes, R({("k" + id).c_str(), "1"}))}));
    if (i % 3 == 0)
      wal.Commit(Txn({Update(kItems, R({id.c_str(), "changed"})),
                      Update(kItems, R({id.c_str(), "changed twice"})),
                      Update(kNotes, R({("k" + id).c_str(), "2"}))}));
    if (i % 5 == 1)
      wal.Commit(
          Txn({Update(kNotes, R({("moved" + id).c_str(), "3"}), R({("k" + id).c_str(), "1"}))}));
    if (i % 7 == 2) wal.Commit(Txn({Delete(kItems, R({id.c_str(), nullptr}))}));
  }
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
  catalog_ = std::make_unique<SqliteCatalog>(path());
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
