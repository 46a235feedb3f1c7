// Reading rows back from ClickHouse to fill unchanged TOAST values, split into pure parts:
// building the SELECT, parsing its RowBinary answer, and choosing the stored row for a planned
// row. The sink runs the queries.
//
//   SELECT `c1`, ..., `cn`, `_peerdb_is_deleted`, `_peerdb_version` FROM `db`.`t` FINAL
//   WHERE (`k1`, `k2`) IN ((lit, lit), ...) FORMAT RowBinary
//
// Key literals are built from PostgreSQL's text for key columns stored as integers, String
// (text, varchar, bpchar, numeric, and date/timestamp on old servers: the exact text), UUID,
// Decimal and Date32; any other key type throws PipeError(kFatal). Answers are matched to keys by
// their encoded bytes, so ClickHouse's own spelling of a value never matters.
//
// Choosing (ChooseStoredRow), for a row of key T at version V whose values come from key O:
// - T stored with version > V: superseded anyway; use its values.
// - T stored live with version == V: this change was applied before (a replay: T's stored values
//   are the ones that write produced), or an earlier chunk of the same spilled transaction wrote
//   T (cdc_phase.cpp; its values are T's image just before this change). Use them.
//   T stored *deleted* at V is neither: this row is not a delete, so that write came from an
//   earlier chunk that deleted T (T was then re-created by a key change into it); go on to O.
//   Limitation: after a crash in the middle of a spilled transaction, the replay of one chunk
//   can find a row written by a later chunk of the first attempt at the same version V; for a key
//   the transaction changes into another key and later re-creates, the re-created row's values
//   can then be copied. Within one ApplyTransactions call (any transaction not spilled) this
//   cannot happen: rows are collapsed per key, so V's stored row is this row's own earlier write.
// - else O stored and not deleted: use O's values (the normal case).
// - else PipeError(kFatal): the value cannot be known, and pg2ch never writes a guess.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "destination/clickhouse/change_plan.h"
#include "destination/clickhouse/table_codec.h"

namespace pg2ch {

struct StoredRow {
  uint64_t version = 0;
  bool deleted = false;
  std::vector<std::string_view> values;  // RowBinary value per source column; borrow the answer
};
using StoredRows = std::unordered_map<std::string, StoredRow>;  // by encoded key

// Queries covering every key in `key_rows` (rows with their key columns set), each at most about
// `max_query_bytes` long (ClickHouse's max_query_size defaults to 256 KiB).
std::vector<std::string> BuildLookupQueries(const TableCodec& codec,
                                            const std::vector<const Row*>& key_rows,
                                            size_t max_query_bytes = 128 * 1024);
// Adds the rows of one answer to `rows`; on duplicates the highest version wins.
void ParseLookupAnswer(const TableCodec& codec, std::string_view answer, StoredRows& rows);
const StoredRow& ChooseStoredRow(const TableCodec& codec, const PlannedRow& row,
                                 const StoredRows& stored);
// As ChooseStoredRow, but nullptr where that throws: for a delete row, which needs the values
// only if the row is in ClickHouse.
const StoredRow* FindStoredRow(const PlannedRow& row, const StoredRows& stored);

}  // namespace pg2ch
