// Catalog methods of the initial load: per-table plans of ctid page ranges (or value ranges of a
// column) and which of them are copied. Their tables are created on first use, and columns added
// since are added to older files, so older catalog files gain them unchanged.
#include "catalog/sqlite_catalog.h"
#include "catalog/sqlite_statement.h"
#include "common/error.h"

namespace pg2ch {

using sqlite::Exec;
using sqlite::Statement;

namespace {

constexpr const char* kSnapshotSchema = R"sql(
CREATE TABLE IF NOT EXISTS snapshot_tables (
  pipe_id INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
  source_schema TEXT NOT NULL,
  source_table TEXT NOT NULL,
  filenode INTEGER NOT NULL,
  estimated_rows INTEGER NOT NULL,
  partition_column TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (pipe_id, source_schema, source_table)
);
CREATE TABLE IF NOT EXISTS snapshot_partitions (
  pipe_id INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
  source_schema TEXT NOT NULL,
  source_table TEXT NOT NULL,
  idx INTEGER NOT NULL,
  first_page INTEGER NOT NULL,
  end_page INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  rows INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 0,
  lower_bound TEXT,
  upper_bound TEXT,
  PRIMARY KEY (pipe_id, source_schema, source_table, idx)
);
)sql";

// Runs `body` in one write transaction.
template <typename F>
void InTransaction(sqlite3* db, F&& body) {
  Exec(db, "BEGIN IMMEDIATE");
  try {
    body();
    Exec(db, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);  // best effort: already failing
    throw;
  }
}

bool HasColumn(sqlite3* db, const std::string& table, const std::string& column) {
  Statement info(db, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?");
  info.Bind(1, table).Bind(2, column);
  return info.Step();
}

// Columns added since the tables were first created, and how to add them to an older file
// (CREATE TABLE IF NOT EXISTS leaves its tables as they are). Their defaults are what the older
// plans mean: no partition_column (a ctid plan), no text bounds (ctid or integer plans).
struct AddedColumn {
  const char* table;
  const char* column;
  const char* add;
};
constexpr AddedColumn kAddedColumns[] = {
    {"snapshot_tables", "partition_column",
     "ALTER TABLE snapshot_tables ADD COLUMN partition_column TEXT NOT NULL DEFAULT ''"},
    {"snapshot_partitions", "lower_bound",
     "ALTER TABLE snapshot_partitions ADD COLUMN lower_bound TEXT"},
    {"snapshot_partitions", "upper_bound",
     "ALTER TABLE snapshot_partitions ADD COLUMN upper_bound TEXT"},
};

void EnsureSchema(sqlite3* db) {
  Exec(db, kSnapshotSchema);
  for (const AddedColumn& c : kAddedColumns) {
    if (HasColumn(db, c.table, c.column)) continue;
    // Checked again inside the write transaction: another process may have just added it.
    InTransaction(db, [&] {
      if (!HasColumn(db, c.table, c.column)) Exec(db, c.add);
    });
  }
}

// rows_copied and snapshot_done of one table, from its partitions.
void RefreshTableProgress(sqlite3* db, int64_t pipe_id, const std::string& schema,
                          const std::string& table) {
  Statement(db,
            "UPDATE pipe_tables SET "
            "rows_copied = (SELECT COALESCE(SUM(rows), 0) FROM snapshot_partitions p WHERE "
            "p.pipe_id = ?1 AND p.source_schema = ?2 AND p.source_table = ?3 AND p.done = 1), "
            "snapshot_done = NOT EXISTS (SELECT 1 FROM snapshot_partitions p WHERE "
            "p.pipe_id = ?1 AND p.source_schema = ?2 AND p.source_table = ?3 AND p.done = 0) "
            "WHERE pipe_id = ?1 AND source_schema = ?2 AND source_table = ?3")
      .Bind(1, pipe_id)
      .Bind(2, schema)
      .Bind(3, table)
      .Run();
}

}  // namespace

void SqliteCatalog::PutSnapshotPlan(int64_t pipe_id, const SnapshotPlanRecord& plan) {
  sqlite3* db = db_;
  EnsureSchema(db);
  InTransaction(db, [&] {
    Statement(db,
              "DELETE FROM snapshot_partitions WHERE pipe_id = ? AND source_schema = ? AND "
              "source_table = ?")
        .Bind(1, pipe_id)
        .Bind(2, plan.source_schema)
        .Bind(3, plan.source_table)
        .Run();
    Statement(db,
              "INSERT OR REPLACE INTO snapshot_tables (pipe_id, source_schema, source_table, "
              "filenode, estimated_rows, partition_column) VALUES (?, ?, ?, ?, ?, ?)")
        .Bind(1, pipe_id)
        .Bind(2, plan.source_schema)
        .Bind(3, plan.source_table)
        .Bind(4, static_cast<int64_t>(plan.filenode))
        .Bind(5, plan.estimated_rows)
        .Bind(6, plan.partition_column)
        .Run();
    for (const SnapshotPartitionRecord& p : plan.partitions) {
      Statement(db,
                "INSERT INTO snapshot_partitions (pipe_id, source_schema, source_table, idx, "
                "first_page, end_page, done, rows, version, lower_bound, upper_bound) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .Bind(1, pipe_id)
          .Bind(2, plan.source_schema)
          .Bind(3, plan.source_table)
          .Bind(4, p.index)
          .Bind(5, p.first_page)
          .Bind(6, p.end_page)
          .Bind(7, int64_t{p.done})
          .Bind(8, p.rows)
          .Bind(9, static_cast<int64_t>(p.version))
          .Bind(10, p.lower_bound)
          .Bind(11, p.upper_bound)
          .Run();
    }
    RefreshTableProgress(db, pipe_id, plan.source_schema, plan.source_table);
  });
}

std::optional<SnapshotPlanRecord> SqliteCatalog::SnapshotPlan(int64_t pipe_id,
                                                              const std::string& source_schema,
                                                              const std::string& source_table) {
  sqlite3* db = db_;
  EnsureSchema(db);
  Statement table(db,
                  "SELECT filenode, estimated_rows, partition_column FROM snapshot_tables WHERE "
                  "pipe_id = ? AND "
                  "source_schema = ? AND source_table = ?");
  table.Bind(1, pipe_id).Bind(2, source_schema).Bind(3, source_table);
  if (!table.Step()) return std::nullopt;
  SnapshotPlanRecord plan;
  plan.source_schema = source_schema;
  plan.source_table = source_table;
  plan.filenode = static_cast<uint64_t>(table.Int(0));
  plan.estimated_rows = table.Int(1);
  plan.partition_column = table.Text(2);
  Statement parts(db,
                  "SELECT idx, first_page, end_page, done, rows, version, lower_bound, upper_bound "
                  "FROM snapshot_partitions "
                  "WHERE pipe_id = ? AND source_schema = ? AND source_table = ? ORDER BY idx");
  parts.Bind(1, pipe_id).Bind(2, source_schema).Bind(3, source_table);
  while (parts.Step()) {
    plan.partitions.push_back({parts.Int(0), parts.Int(1), parts.Int(2), parts.Int(3) != 0,
                               parts.Int(4), static_cast<Lsn>(parts.Int(5)), parts.OptionalText(6),
                               parts.OptionalText(7)});
  }
  return plan;
}

void SqliteCatalog::MarkSnapshotPartitionDone(int64_t pipe_id, const std::string& source_schema,
                                              const std::string& source_table, int64_t index,
                                              int64_t rows, Lsn version) {
  sqlite3* db = db_;
  EnsureSchema(db);
  InTransaction(db, [&] {
    Statement(db,
              "UPDATE snapshot_partitions SET done = 1, rows = ?, version = ? WHERE pipe_id = ? "
              "AND source_schema = ? AND source_table = ? AND idx = ?")
        .Bind(1, rows)
        .Bind(2, static_cast<int64_t>(version))
        .Bind(3, pipe_id)
        .Bind(4, source_schema)
        .Bind(5, source_table)
        .Bind(6, index)
        .Run();
    if (sqlite3_changes(db) != 1)
      ThrowFatal("catalog: no snapshot partition " + std::to_string(index) + " of " +
                 source_schema + "." + source_table);
    RefreshTableProgress(db, pipe_id, source_schema, source_table);
  });
}

void SqliteCatalog::ResetSnapshotPlans(int64_t pipe_id) {
  sqlite3* db = db_;
  EnsureSchema(db);
  InTransaction(db, [&] {
    Statement(db, "DELETE FROM snapshot_partitions WHERE pipe_id = ?").Bind(1, pipe_id).Run();
    Statement(db, "DELETE FROM snapshot_tables WHERE pipe_id = ?").Bind(1, pipe_id).Run();
  });
}

void SqliteCatalog::RemoveTable(int64_t pipe_id, const std::string& source_schema,
                                const std::string& source_table) {
  sqlite3* db = db_;
  EnsureSchema(db);
  InTransaction(db, [&] {
    for (const char* sql :
         {"DELETE FROM snapshot_partitions WHERE pipe_id = ? AND source_schema = ? AND "
          "source_table = ?",
          "DELETE FROM snapshot_tables WHERE pipe_id = ? AND source_schema = ? AND source_table = "
          "?",
          "DELETE FROM pipe_tables WHERE pipe_id = ? AND source_schema = ? AND source_table = ?"})
      Statement(db, sql).Bind(1, pipe_id).Bind(2, source_schema).Bind(3, source_table).Run();
  });
}

}  // namespace pg2ch
