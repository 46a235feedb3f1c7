// RAII wrappers over sqlite3 handles for the catalog. Every failure throws PipeError with
// SQLite's message, classified by ErrorKindOf.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"

namespace pg2ch::sqlite {

// Retryable for what passes (another writer holds the file past the busy timeout, a full disk,
// an I/O error, no memory): the pipe waits and tries again, nothing is lost since every write
// commits or not at all. Fatal for the rest (a corrupt or unreadable file, a misuse).
ErrorKind ErrorKindOf(int rc);

class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, const std::string& value);
  Statement& Bind(int index, const std::optional<std::string>& value);  // nullopt: NULL
  // Returns true while a row is available.
  bool Step();
  void Run() {
    while (Step()) {
    }
  }
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;  // nullopt for NULL

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void Exec(sqlite3* db, const char* sql);

}  // namespace pg2ch::sqlite
