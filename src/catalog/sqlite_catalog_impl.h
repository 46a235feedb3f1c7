// The catalog's private state, shared by the files that implement Catalog's methods
// (sqlite_catalog.cpp, sqlite_catalog_snapshot.cpp). Not for use outside src/catalog.
#pragma once

#include <sqlite3.h>

#include <string>

#include "catalog/catalog.h"

namespace pg2ch {

struct Catalog::Impl {
  sqlite3* db = nullptr;
  std::string path;
};

}  // namespace pg2ch
