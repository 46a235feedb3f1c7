#include "catalog/sqlite_catalog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "catalog/sqlite_statement.h"
#include "common/error.h"

namespace pg2ch {

using sqlite::Exec;
using sqlite::Statement;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS pipes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  config_json TEXT NOT NULL,
  state TEXT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  snapshot_lsn INTEGER NOT NULL DEFAULT 0,
  checkpoint_lsn INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state_history (
  pipe_id INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  at TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pipe_properties (
  pipe_id INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (pipe_id, key)
);
CREATE TABLE IF NOT EXISTS pipe_tables (
  pipe_id INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
  source_schema TEXT NOT NULL,
  source_table TEXT NOT NULL,
  target_table TEXT NOT NULL,
  schema_json TEXT NOT NULL,
  snapshot_done INTEGER NOT NULL DEFAULT 0,
  rows_copied INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (pipe_id, source_schema, source_table)
);
)sql";

std::string NowUtc() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = ms / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

PipeState StateOf(const std::string& name) {
  auto s = ParseState(name);
  if (!s) ThrowFatal("catalog: unknown state \"" + name + "\"");
  return *s;
}

constexpr const char* kPipeColumns =
    "SELECT id, name, config_json, state, last_error, snapshot_lsn, checkpoint_lsn FROM pipes ";

PipeRecord ReadPipe(const Statement& st) {
  PipeRecord p;
  p.id = st.Int(0);
  p.name = st.Text(1);
  p.config_json = st.Text(2);
  p.state = StateOf(st.Text(3));
  p.last_error = st.Text(4);
  p.snapshot_lsn = static_cast<Lsn>(st.Int(5));
  p.checkpoint_lsn = static_cast<Lsn>(st.Int(6));
  return p;
}

}  // namespace

SqliteCatalog::SqliteCatalog(std::string file) : path_(std::move(file)) {
  const std::string& path = path_;
  // Created 0600 before SQLite opens it: the file holds passwords (SQLite gives its -wal and
  // -shm files the same mode). Only when missing: closing any descriptor of a file drops every
  // POSIX lock this process holds on it, including those of other connections of this process
  // (another thread's Catalog), after which SQLite may delete a WAL file still being written.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno != EEXIST) {
      ThrowFatal("catalog: cannot create " + path + ": " + std::strerror(errno));
    }
    if (fd >= 0) ::close(fd);
  }
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    ThrowFatal("catalog: cannot open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db_, 10000);
  try {
    // Switching a new file to WAL needs it to itself; the busy handler does not cover that
    // switch, so a reader opening the file at the same moment (pg2ch status, a second worker)
    // would fail the open. Retry for as long as the busy timeout.
    const char* setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
    for (int attempt = 0;; ++attempt) {
      int rc = sqlite3_exec(db_, setup, nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) break;
      if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt >= 1000) Exec(db_, setup);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Exec(db_, kSchema);
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

SqliteCatalog::~SqliteCatalog() { sqlite3_close(db_); }

std::unique_ptr<Catalog> SqliteCatalog::Connect() const {
  return std::make_unique<SqliteCatalog>(path_);
}

std::filesystem::path SqliteCatalog::LocalDirectory() const { return path_ + ".spill"; }

PipeRecord SqliteCatalog::CreatePipe(const std::string& name, const std::string& config_json) {
  if (FindPipe(name)) ThrowFatal("catalog: a pipe named \"" + name + "\" exists already");
  std::string now = NowUtc();
  Exec(db_, "BEGIN IMMEDIATE");
  try {
    Statement(db_,
              "INSERT INTO pipes (name, config_json, state, created_at, updated_at) "
              "VALUES (?, ?, 'Provisioning', ?, ?)")
        .Bind(1, name)
        .Bind(2, config_json)
        .Bind(3, now)
        .Bind(4, now)
        .Run();
    int64_t id = sqlite3_last_insert_rowid(db_);
    Statement(db_,
              "INSERT INTO state_history (pipe_id, from_state, to_state, at, reason) "
              "VALUES (?, '', 'Provisioning', ?, 'pipe created')")
        .Bind(1, id)
        .Bind(2, now)
        .Run();
    Exec(db_, "COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);  // best effort: already failing
    throw;
  }
  return *FindPipe(name);
}

std::optional<PipeRecord> SqliteCatalog::FindPipe(const std::string& name) {
  Statement st(db_, (std::string(kPipeColumns) + "WHERE name = ?").c_str());
  st.Bind(1, name);
  if (!st.Step()) return std::nullopt;
  return ReadPipe(st);
}

std::vector<PipeRecord> SqliteCatalog::ListPipes() {
  Statement st(db_, (std::string(kPipeColumns) + "ORDER BY id").c_str());
  std::vector<PipeRecord> out;
  while (st.Step()) out.push_back(ReadPipe(st));
  return out;
}

// Records from -> to inside one write transaction; `expected` (if set) must be the current state.
static bool DoTransition(sqlite3* db, int64_t pipe_id, std::optional<PipeState> expected,
                         PipeState to, const std::string& reason) {
  Exec(db, "BEGIN IMMEDIATE");
  try {
    Statement cur(db, "SELECT state FROM pipes WHERE id = ?");
    cur.Bind(1, pipe_id);
    if (!cur.Step()) ThrowFatal("catalog: no pipe with id " + std::to_string(pipe_id));
    PipeState from = StateOf(cur.Text(0));
    if (expected && from != *expected) {
      Exec(db, "ROLLBACK");
      return false;
    }
    if (!IsAllowedTransition(from, to))
      ThrowFatal("illegal state transition " + std::string(StateName(from)) + " -> " +
                 std::string(StateName(to)));
    std::string now = NowUtc();
    Statement(db,
              "UPDATE pipes SET state = ?, updated_at = ?, "
              "last_error = CASE WHEN ? = 'Failed' THEN ? ELSE last_error END WHERE id = ?")
        .Bind(1, std::string(StateName(to)))
        .Bind(2, now)
        .Bind(3, std::string(StateName(to)))
        .Bind(4, reason)
        .Bind(5, pipe_id)
        .Run();
    Statement(db,
              "INSERT INTO state_history (pipe_id, from_state, to_state, at, reason) "
              "VALUES (?, ?, ?, ?, ?)")
        .Bind(1, pipe_id)
        .Bind(2, std::string(StateName(from)))
        .Bind(3, std::string(StateName(to)))
        .Bind(4, now)
        .Bind(5, reason)
        .Run();
    Exec(db, "COMMIT");
    return true;
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);  // best effort: already failing
    throw;
  }
}

void SqliteCatalog::Transition(int64_t pipe_id, PipeState to, const std::string& reason) {
  DoTransition(db_, pipe_id, std::nullopt, to, reason);
}

bool SqliteCatalog::TransitionIf(int64_t pipe_id, PipeState from, PipeState to,
                                 const std::string& reason) {
  return DoTransition(db_, pipe_id, from, to, reason);
}

std::optional<PipeRecord> SqliteCatalog::FindPipeById(int64_t pipe_id) {
  Statement st(db_, (std::string(kPipeColumns) + "WHERE id = ?").c_str());
  st.Bind(1, pipe_id);
  if (!st.Step()) return std::nullopt;
  return ReadPipe(st);
}

void SqliteCatalog::UpdateConfig(int64_t pipe_id, const std::string& config_json) {
  Statement(db_, "UPDATE pipes SET config_json = ?, updated_at = ? WHERE id = ?")
      .Bind(1, config_json)
      .Bind(2, NowUtc())
      .Bind(3, pipe_id)
      .Run();
}

void SqliteCatalog::DeletePipe(int64_t pipe_id) {
  // Foreign keys cascade to history, tables and properties.
  Statement(db_, "DELETE FROM pipes WHERE id = ?").Bind(1, pipe_id).Run();
}

void SqliteCatalog::SetProperty(int64_t pipe_id, const std::string& key, const std::string& value) {
  Statement(db_, "INSERT OR REPLACE INTO pipe_properties (pipe_id, key, value) VALUES (?, ?, ?)")
      .Bind(1, pipe_id)
      .Bind(2, key)
      .Bind(3, value)
      .Run();
}

std::optional<std::string> SqliteCatalog::GetProperty(int64_t pipe_id, const std::string& key) {
  Statement st(db_, "SELECT value FROM pipe_properties WHERE pipe_id = ? AND key = ?");
  st.Bind(1, pipe_id).Bind(2, key);
  if (!st.Step()) return std::nullopt;
  return st.Text(0);
}

std::vector<StateTransition> SqliteCatalog::History(int64_t pipe_id) {
  Statement st(db_,
               "SELECT from_state, to_state, at, reason FROM state_history WHERE pipe_id = ? "
               "ORDER BY seq");
  st.Bind(1, pipe_id);
  std::vector<StateTransition> out;
  while (st.Step())
    // '' marks the creation (catalogs written before recorded it as Provisioning -> Provisioning).
    out.push_back(
        {st.Text(0).empty() || out.empty() ? std::nullopt : std::optional(StateOf(st.Text(0))),
         StateOf(st.Text(1)), st.Text(2), st.Text(3)});
  return out;
}

void SqliteCatalog::SetSnapshotLsn(int64_t pipe_id, Lsn lsn) {
  Statement(db_, "UPDATE pipes SET snapshot_lsn = ?, updated_at = ? WHERE id = ?")
      .Bind(1, static_cast<int64_t>(lsn))
      .Bind(2, NowUtc())
      .Bind(3, pipe_id)
      .Run();
}

void SqliteCatalog::SetCheckpoint(int64_t pipe_id, Lsn lsn) {
  Statement(db_, "UPDATE pipes SET checkpoint_lsn = ?, updated_at = ? WHERE id = ?")
      .Bind(1, static_cast<int64_t>(lsn))
      .Bind(2, NowUtc())
      .Bind(3, pipe_id)
      .Run();
}

void SqliteCatalog::PutTable(int64_t pipe_id, const TableRecord& t) {
  Statement(db_,
            "INSERT OR REPLACE INTO pipe_tables (pipe_id, source_schema, source_table, "
            "target_table, schema_json, snapshot_done, rows_copied) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, pipe_id)
      .Bind(2, t.source_schema)
      .Bind(3, t.source_table)
      .Bind(4, t.target_table)
      .Bind(5, t.schema_json)
      .Bind(6, int64_t{t.snapshot_done})
      .Bind(7, t.rows_copied)
      .Run();
}

std::vector<TableRecord> SqliteCatalog::Tables(int64_t pipe_id) {
  Statement st(db_,
               "SELECT source_schema, source_table, target_table, schema_json, snapshot_done, "
               "rows_copied FROM pipe_tables WHERE pipe_id = ? ORDER BY rowid");
  st.Bind(1, pipe_id);
  std::vector<TableRecord> out;
  while (st.Step())
    out.push_back({st.Text(0), st.Text(1), st.Text(2), st.Text(3), st.Int(4) != 0, st.Int(5)});
  return out;
}

void SqliteCatalog::UpdateTableSchema(int64_t pipe_id, const std::string& source_schema,
                                      const std::string& source_table,
                                      const std::string& schema_json) {
  Statement(db_,
            "UPDATE pipe_tables SET schema_json = ? WHERE pipe_id = ? AND source_schema = ? AND "
            "source_table = ?")
      .Bind(1, schema_json)
      .Bind(2, pipe_id)
      .Bind(3, source_schema)
      .Bind(4, source_table)
      .Run();
}

void SqliteCatalog::MarkTableSnapshotDone(int64_t pipe_id, const std::string& source_schema,
                                          const std::string& source_table, int64_t rows) {
  Statement(db_,
            "UPDATE pipe_tables SET snapshot_done = 1, rows_copied = ? WHERE pipe_id = ? AND "
            "source_schema = ? AND source_table = ?")
      .Bind(1, rows)
      .Bind(2, pipe_id)
      .Bind(3, source_schema)
      .Bind(4, source_table)
      .Run();
}

void SqliteCatalog::ResetTablesSnapshot(int64_t pipe_id) {
  Statement(db_, "UPDATE pipe_tables SET snapshot_done = 0, rows_copied = 0 WHERE pipe_id = ?")
      .Bind(1, pipe_id)
      .Run();
}

}  // namespace pg2ch
