// What the connected ClickHouse server can do, derived once from `SELECT version()`.
//
// Debian's 18.16 lacks DateTime64, Date32, Bool, Decimal256, EXCHANGE TABLES, ADD COLUMN IF NOT
// EXISTS and ReplacingMergeTree(ver, is_deleted); users run >= 23 which has all of them. Every
// place that emits version-dependent SQL asks this struct, never the version string.
#pragma once

#include <string>
#include <string_view>

namespace pg2ch {

struct ServerCaps {
  std::string version;  // as the server printed it
  int major = 0;
  int minor = 0;
  bool datetime64 = false;
  bool date32 = false;
  bool boolean = false;
  bool decimal256 = false;  // Decimal(P, S) with P up to 76
  bool exchange_tables = false;
  bool add_column_if_not_exists = false;
  bool replacing_is_deleted = false;  // ReplacingMergeTree(version, is_deleted), 23.2+
  bool low_cardinality = false;       // LowCardinality(T) without an experimental setting
  bool map = false;                   // Map(K, V)
  bool json = false;                  // the JSON type without an experimental setting, 25.3+
  // The setting json_type_escape_dots_in_keys (a key "a.b" stays one key instead of a path a
  // -> b): not derived from the version but asked of the server (ClickHouseClient::Caps).
  bool json_escape_dots = false;

  // Throws PipeError(kFatal) when the text is not a ClickHouse version.
  static ServerCaps FromVersion(std::string_view version);
};

}  // namespace pg2ch
