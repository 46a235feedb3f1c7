#include "pipe/table_notices.h"

namespace pg2ch {

std::vector<std::string> TableNotices(const SourceTable& table) {
  std::vector<std::string> out;
  const std::string name = table.QualifiedName();
  for (const std::string& column : table.generated)
    out.push_back("table " + name + ": generated column " + column +
                  " is not replicated (PostgreSQL publishes stored generated columns from 18 on, "
                  "virtual ones never)");
  if (table.identity == RowIdentity::kInsertOnly)
    out.push_back("table " + name +
                  " has no primary key and no replica identity: only its inserts and truncates "
                  "are replicated (its updates and deletes keep working in PostgreSQL, and are "
                  "not seen); give it a primary key or REPLICA IDENTITY FULL to replicate them");
  if (table.identity == RowIdentity::kFullRow)
    out.push_back("table " + name +
                  " has no primary key: its rows are identified by their values (REPLICA "
                  "IDENTITY FULL), duplicates included");
  return out;
}

}  // namespace pg2ch
