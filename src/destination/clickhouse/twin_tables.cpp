#include "destination/clickhouse/twin_tables.h"

#include "common/sql_quote.h"

namespace pg2ch {
namespace {

std::string Qualified(const std::string& db, const std::string& table) {
  return ChIdent(db) + "." + ChIdent(table);
}

bool TableExists(ClickHouseClient& ch, const std::string& db, const std::string& table) {
  return ch.Query("SELECT count() FROM system.tables WHERE database = " + ChLiteral(db) +
                  " AND name = " + ChLiteral(table)) != "0\n";
}

uint64_t Count(ClickHouseClient& ch, const std::string& qualified, const std::string& where = "") {
  return std::stoull(ch.Query("SELECT count() FROM " + qualified + where));
}

}  // namespace

void EnsureDatabase(ClickHouseClient& ch, const std::string& database) {
  ch.Query("CREATE DATABASE IF NOT EXISTS " + ChIdent(database));
}

void DropTableIfExists(ClickHouseClient& ch, const std::string& database,
                       const std::string& table) {
  ch.Query("DROP TABLE IF EXISTS " + Qualified(database, table));
}

bool SwapInTwin(ClickHouseClient& ch, const std::string& database, const std::string& table,
                const std::string& twin, uint64_t min_version) {
  std::string old = table + "_resync_old";
  std::string original_q = Qualified(database, table), twin_q = Qualified(database, twin);
  if (!TableExists(ch, database, twin)) {  // renamed already (servers without EXCHANGE)
    DropTableIfExists(ch, database, old);
    return false;
  }
  if (ch.Caps().exchange_tables) {
    // After an exchange the twin holds the old rows, all older than min_version: then it is
    // done. (An empty new load is told apart by the original being empty too.)
    bool swapped =
        Count(ch, twin_q, " WHERE _peerdb_version >= " + std::to_string(min_version)) == 0 &&
        (Count(ch, twin_q) > 0 || Count(ch, original_q) == 0);
    if (!swapped) ch.Query("EXCHANGE TABLES " + twin_q + " AND " + original_q);
    ch.Query("DROP TABLE " + twin_q);
  } else {
    ch.Query("RENAME TABLE " + original_q + " TO " + Qualified(database, old) + ", " + twin_q +
             " TO " + original_q);
    ch.Query("DROP TABLE " + Qualified(database, old));
  }
  return true;
}

}  // namespace pg2ch
