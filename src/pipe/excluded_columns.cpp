#include "pipe/excluded_columns.h"

#include <algorithm>

#include "common/error.h"

namespace pg2ch {

SourceTable ExcludeColumns(SourceTable table, const std::vector<std::string>& exclude) {
  std::string problems;
  auto left_out = [&](const std::string& name) {
    return std::find(table.excluded.begin(), table.excluded.end(), name) != table.excluded.end();
  };
  for (const std::string& name : exclude) {
    if (left_out(name)) continue;  // a generated column, never replicated anyway
    auto column = std::find_if(table.columns.begin(), table.columns.end(),
                               [&](const SourceColumn& c) { return c.name == name; });
    if (column == table.columns.end())
      problems += ", \"" + name + "\" does not exist";
    else if (column->is_key)
      problems += ", \"" + name + "\" is a primary-key / replica-identity column";
  }
  if (!problems.empty())
    ThrowFatal("source table " + table.QualifiedName() +
               ": cannot exclude columns: " + problems.substr(2));
  std::erase_if(table.columns, [&](const SourceColumn& c) {
    return std::find(exclude.begin(), exclude.end(), c.name) != exclude.end();
  });
  for (const std::string& name : exclude)
    if (!left_out(name)) table.excluded.push_back(name);
  return table;
}

SourceTable MappedTable(SourceTable table, const TableMapping& mapping) {
  SourceTable out = ExcludeColumns(std::move(table), mapping.exclude);
  out.row_filter = mapping.where;
  out.exclude_at_source = mapping.exclude_at_source;
  return out;
}

}  // namespace pg2ch
