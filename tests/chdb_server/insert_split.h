// Splits `INSERT ... FORMAT <name> <data>` where ClickHouse's parser does (ParserInsertQuery):
// the data starts after the format name, any spaces, tabs and form feeds, and at most one
// "\r\n" or "\n". So the HTTP front can hand libchdb the data through its streaming-insert API:
// libchdb's one-shot query call ends inline insert data at the first empty line ("\n\n", common
// in RowBinary) and runs the rest as SQL, which would store a prefix and answer success.
//
// Pure function on a byte span; the results point into it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pg2ch::chdb_front {

struct InsertWithData {
  std::string_view head;    // the statement before FORMAT, e.g. "INSERT INTO `d`.`t` (`a`) "
  std::string_view format;  // e.g. "RowBinary"
  std::string_view data;    // possibly empty
  // Non-empty when the statement has a form the front does not split (SETTINGS after FORMAT):
  // refuse it rather than run it whole.
  std::string unsupported;
};

// nullopt for anything but an INSERT with a FORMAT clause: other statements, INSERT ... VALUES
// (its data is SQL, which libchdb parses whole), INSERT ... SELECT.
std::optional<InsertWithData> SplitInsert(std::string_view sql);

}  // namespace pg2ch::chdb_front
