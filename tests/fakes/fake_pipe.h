// A pipe recorded in a catalog as Running, with its tables, as Setup and Snapshot leave it: the
// starting point of the orchestration tests, which then run it on fake ports (fake_ports.h).
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/change.h"
#include "core/table_schema.h"
#include "pipe/pipe_config.h"

namespace pg2ch::fake {

inline constexpr uint32_t kItems = 16401;  // public.items (id integer key, v text)
inline constexpr uint32_t kNotes = 16402;  // public.notes (k text key, n integer)

SourceColumn Column(std::string name, uint32_t oid, std::string type, bool key);
std::vector<SourceTable> ItemsAndNotes();

// A row of texts (nullptr: NULL), a change, and a transaction of changes (ordinals set).
Row R(std::initializer_list<const char*> cells);
RowChange Change(ChangeOp op, uint32_t relid, Row row, Row old = {});
RowChange Insert(uint32_t relid, Row row);
RowChange Update(uint32_t relid, Row row, Row old = {});
RowChange Delete(uint32_t relid, Row key);
Transaction Txn(std::vector<RowChange> changes);

class FakeWal;
// Commits a mixed load on items and notes: inserts, updates, key changes, deletes, several per
// key in one transaction. `round` makes each call's keys distinct where it matters.
void CommitLoad(FakeWal& wal, int round, int transactions);

// A definition for `tables`, with short batching intervals.
PipeConfig ConfigFor(const std::string& name, const std::vector<SourceTable>& tables);

// Records `config`'s pipe and its tables, moved Provisioning -> Setup -> Snapshot -> Running.
int64_t CreateRunningPipe(Catalog& catalog, const PipeConfig& config,
                          const std::vector<SourceTable>& tables);

// A catalog file in a fresh directory under /tmp, removed with everything in it at the end.
class TempCatalog {
 public:
  explicit TempCatalog(const std::string& hint);
  ~TempCatalog();
  TempCatalog(const TempCatalog&) = delete;
  TempCatalog& operator=(const TempCatalog&) = delete;
  const std::string& dir() const { return dir_; }
  std::string path() const { return dir_ + "/catalog.db"; }
  Catalog& catalog() { return *catalog_; }

 private:
  std::string dir_;
  std::unique_ptr<Catalog> catalog_;
};

// Polls `done` every 10 ms for up to `limit`; its last answer.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds limit = std::chrono::seconds(20));

}  // namespace pg2ch::fake
