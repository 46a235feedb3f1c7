#include "destination/clickhouse/clickhouse_sink.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <future>

#include "common/error.h"
#include "common/sql_quote.h"
#include "destination/clickhouse/change_plan.h"
#include "destination/clickhouse/keyless_changes.h"
#include "destination/clickhouse/row_binary_reader.h"
#include "destination/clickhouse/snapshot_writer.h"
#include "destination/clickhouse/table_codec.h"
#include "destination/clickhouse/table_ddl.h"
#include "destination/clickhouse/toast_lookup.h"

namespace pg2ch {

namespace {

// Raw bytes as SQL: unhex('...').
std::string HexLiteral(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "unhex('";
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out + "')";
}

}  // namespace

struct ClickHouseSink::Impl {
  ClickHouseClient& client;
  CodecMap codecs;
  std::vector<uint32_t> order;  // tables in the order they were given

  explicit Impl(ClickHouseClient& c) : client(c) {}

  const TableCodec& Codec(uint32_t relid) const {
    auto it = codecs.find(relid);
    if (it == codecs.end()) {
      ThrowFatal("relation " + std::to_string(relid) + " is not a table of this pipe");
    }
    return it->second;
  }

  void Truncate(const TableCodec& codec) { client.Query("TRUNCATE TABLE " + codec.table_sql()); }

  // One INSERT per table of the plan. A batch touching many tables would wait ~6 ms per small
  // INSERT (measured, bench/RESULTS.md) one after another; up to kInsertLanes run at once, each
  // on a client of its own. Every insert has returned (durable) or the first error is rethrown;
  // an insert that went through before another failed is rewritten identically by the replay.
  void InsertAll(const BatchPlan& plan, const std::vector<std::string>& bodies) {
    const size_t lanes = std::min(kInsertLanes, plan.tables.size());
    if (lanes <= 1) {
      for (size_t i = 0; i < plan.tables.size(); ++i)
        client.Insert(Codec(plan.tables[i].relid).insert_sql(), bodies[i]);
      return;
    }
    while (lane_clients.size() + 1 < lanes)
      lane_clients.push_back(std::make_unique<ClickHouseClient>(client.endpoint()));
    std::atomic<size_t> next{0};
    auto lane = [&](ClickHouseClient& c) {
      for (size_t i = next++; i < plan.tables.size(); i = next++)
        c.Insert(Codec(plan.tables[i].relid).insert_sql(), bodies[i]);
    };
    std::vector<std::future<void>> running;
    for (size_t l = 0; l + 1 < lanes; ++l)
      running.push_back(std::async(std::launch::async, lane, std::ref(*lane_clients[l])));
    std::exception_ptr error;
    try {
      lane(client);
    } catch (...) {
      error = std::current_exception();
      next = plan.tables.size();  // the other lanes stop after their current insert
    }
    for (auto& f : running) {
      try {
        f.get();
      } catch (...) {
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
  }

  static constexpr size_t kInsertLanes = 4;
  std::vector<std::unique_ptr<ClickHouseClient>> lane_clients;

  // The copies of rows with these hashes in a keyless table, as FINAL shows them.
  std::vector<StoredCopy> StoredCopies(const TableCodec& codec,
                                       const std::vector<std::string>& hashes) {
    std::vector<StoredCopy> out;
    constexpr size_t kPerQuery = 2000;
    for (size_t first = 0; first < hashes.size(); first += kPerQuery) {
      std::string list;
      for (size_t i = first; i < std::min(hashes.size(), first + kPerQuery); ++i)
        list += (list.empty() ? "" : ", ") + HexLiteral(hashes[i]);
      std::string answer =
          client.Query("SELECT " + ChIdent(kRowHashColumn) + ", " + ChIdent(kRowIdColumn) + ", " +
                       ChIdent(kDeletedByColumn) + ", " + ChIdent(kIsDeletedColumn) + " FROM " +
                       codec.table_sql() + " FINAL WHERE " + ChIdent(kRowHashColumn) + " IN (" +
                       list + ") FORMAT RowBinary");
      RowBinaryReader reader(answer);
      while (!reader.AtEnd()) {
        StoredCopy copy;
        copy.hash = std::string(reader.ReadString());
        copy.id = std::string(reader.ReadString());
        copy.deleted_by = std::string(reader.ReadString());
        copy.deleted = reader.ReadUInt8() != 0;
        out.push_back(std::move(copy));
      }
    }
    return out;
  }

  // Reads back every stored row the plan's unchanged values need (TOAST values, and sorting-key
  // values of delete rows), for one table. The
  // answers are kept in `answers` (a deque: its strings never move) since rows borrow them.
  StoredRows ReadBack(const TableCodec& codec, const TablePlan& table,
                      std::deque<std::string>& answers) {
    std::vector<const Row*> key_rows;
    for (const PlannedRow& row : table.rows) {
      if (!row.lookup) continue;
      key_rows.push_back(&row.cells);
      if (row.lookup->origin_key != row.key) key_rows.push_back(&row.lookup->origin_row);
    }
    StoredRows stored;
    if (key_rows.empty()) return stored;
    for (const std::string& sql : BuildLookupQueries(codec, key_rows)) {
      answers.push_back(client.Query(sql));
      ParseLookupAnswer(codec, answers.back(), stored);
    }
    return stored;
  }
};

ClickHouseSink::ClickHouseSink(ClickHouseClient& client, std::vector<DestinationTable> tables)
    : impl_(std::make_unique<Impl>(client)) {
  const ServerCaps& caps = client.Caps();
  for (DestinationTable& table : tables) {
    uint32_t relid = table.source.relid;
    std::string name = table.source.QualifiedName();
    auto [it, inserted] = impl_->codecs.try_emplace(relid, std::move(table), caps);
    if (!inserted) {
      ThrowFatal("table " + name + ": relation " + std::to_string(relid) + " is listed twice");
    }
    impl_->order.push_back(relid);
  }
}

ClickHouseSink::~ClickHouseSink() = default;

void ClickHouseSink::EnsureTables() {
  const ServerCaps& caps = impl_->client.Caps();
  for (uint32_t relid : impl_->order) {
    const TableCodec& codec = impl_->codecs.at(relid);
    // Creating first and checking after also checks a table this call created.
    impl_->client.Query(CreateTableSql(codec, caps));
    CheckExistingColumns(codec,
                         ParseExistingColumns(impl_->client.Query(ExistingColumnsSql(codec))));
  }
}

std::vector<std::string> ClickHouseSink::UpdateTable(const DestinationTable& table) {
  const uint32_t relid = table.source.relid;
  const size_t known = impl_->Codec(relid).source_width();
  if (table.source.columns.size() < known) {
    ThrowFatal("table " + table.source.QualifiedName() + ": a schema update may only add columns");
  }
  const ServerCaps& caps = impl_->client.Caps();
  TableCodec codec(table, caps);
  auto existing = [&] {
    return ParseExistingColumns(impl_->client.Query(ExistingColumnsSql(codec)));
  };
  std::vector<ExistingColumn> before;
  if (!caps.add_column_if_not_exists) before = existing();
  std::vector<std::string> added_types;
  for (size_t i = known; i < table.source.columns.size(); ++i) {
    const std::string& name = table.source.columns[i].name;
    bool present = std::any_of(before.begin(), before.end(),
                               [&](const ExistingColumn& c) { return c.name == name; });
    if (!present) impl_->client.Query(AddColumnSql(codec, i, caps));
    added_types.push_back(codec.types()[i].Sql());
  }
  CheckExistingColumns(codec, existing());
  impl_->codecs.erase(relid);
  impl_->codecs.emplace(relid, std::move(codec));
  return added_types;
}

void ClickHouseSink::TruncateTable(uint32_t relid) { impl_->Truncate(impl_->Codec(relid)); }

std::unique_ptr<ClickHouseSink::SnapshotWriter> ClickHouseSink::NewSnapshotWriter(
    uint32_t relid, uint64_t version) {
  return MakeSnapshotWriter(impl_->client, impl_->Codec(relid), version);
}

void ClickHouseSink::ApplyTransactions(std::span<Transaction> transactions) {
  ResolveKeylessChanges(transactions, impl_->codecs,
                        [&](const TableCodec& codec, const std::vector<std::string>& hashes) {
                          return impl_->StoredCopies(codec, hashes);
                        });
  BatchPlan plan = PlanBatch(transactions, impl_->codecs);

  // Encode everything (reading back unchanged TOAST values first) before writing anything: a
  // batch that cannot be applied fails without touching the destination.
  std::deque<std::string> answers;
  std::vector<std::string> bodies;
  for (const TablePlan& table : plan.tables) {
    const TableCodec& codec = impl_->Codec(table.relid);
    StoredRows stored = impl_->ReadBack(codec, table, answers);
    std::string& body = bodies.emplace_back();
    for (const PlannedRow& row : table.rows) {
      if (row.deleted && row.lookup) {
        // Its sorting-key values are read back; a row ClickHouse does not have needs no delete.
        if (const StoredRow* found = FindStoredRow(row, stored))
          codec.EncodeDeleteRow(row.cells, row.version, body, &found->values);
      } else if (row.deleted) {
        codec.EncodeDeleteRow(row.cells, row.version, body);
      } else if (row.lookup) {
        codec.EncodeRow(row.cells, row.version, body, &ChooseStoredRow(codec, row, stored).values);
      } else {
        codec.EncodeRow(row.cells, row.version, body);
      }
    }
  }

  for (uint32_t relid : plan.truncates) impl_->Truncate(impl_->Codec(relid));
  impl_->InsertAll(plan, bodies);
}

}  // namespace pg2ch
