#include "destination/clickhouse/sorting_key.h"

#include <algorithm>

#include "common/error.h"

namespace pg2ch {

std::vector<size_t> OrderByColumns(const SourceTable& table,
                                   const std::vector<std::string>& sorting_keys) {
  std::vector<size_t> order_by;
  std::string problems;
  for (const std::string& name : sorting_keys) {
    auto column = std::find_if(table.columns.begin(), table.columns.end(),
                               [&](const SourceColumn& c) { return c.name == name; });
    if (column == table.columns.end()) {
      bool excluded =
          std::find(table.excluded.begin(), table.excluded.end(), name) != table.excluded.end();
      problems += ", \"" + name + (excluded ? "\" is excluded" : "\" does not exist");
    } else if (column->nullable) {
      problems += ", \"" + name + "\" is nullable (make it NOT NULL in PostgreSQL)";
    } else {
      order_by.push_back(static_cast<size_t>(column - table.columns.begin()));
    }
  }
  if (!problems.empty())
    ThrowFatal("source table " + table.QualifiedName() +
               ": cannot use as ClickHouse sorting keys: " + problems.substr(2));
  for (size_t i = 0; i < table.columns.size(); ++i)
    if (table.columns[i].is_key && std::find(order_by.begin(), order_by.end(), i) == order_by.end())
      order_by.push_back(i);
  return order_by;
}

}  // namespace pg2ch
