#include "destination/clickhouse/keyless_changes.h"

#include <map>
#include <set>
#include <unordered_map>

#include "common/error.h"
#include "destination/clickhouse/row_binary_encoder.h"

namespace pg2ch {
namespace {

struct CopyState {
  bool deleted = false;
  std::string deleted_by;
};

// What the batch knows of one table's copies: ClickHouse's answer, then the batch's changes.
using Copies = std::unordered_map<std::string, std::map<std::string, CopyState>>;  // hash -> id

[[noreturn]] void Refuse(const TableCodec& codec, const char* what) {
  ThrowFatal("table " + codec.source().QualifiedName() +
             " has no primary key and no replica identity, so PostgreSQL does not say which row " +
             what +
             " changes; pg2ch replicates only its inserts and truncates (give it a primary "
             "key or REPLICA IDENTITY FULL, then resync the pipe)");
}

// `row` with its identity cells: source cells, then hash, id, deleted_by.
Row WithIdentity(Row row, const TableCodec& codec, std::string hash, std::string id,
                 std::string deleted_by) {
  row.resize(codec.source_width());
  row.push_back(Cell::Text(std::move(hash)));
  row.push_back(Cell::Text(std::move(id)));
  row.push_back(Cell::Text(std::move(deleted_by)));
  return row;
}

class Resolver {
 public:
  Resolver(const TableCodec& codec, Copies copies) : codec_(codec), copies_(std::move(copies)) {}

  void Insert(Row row, const std::string& hash, const std::string& id,
              std::vector<RowChange>& out) {
    copies_[hash].try_emplace(id);  // live; a replayed insert keeps what later changes made of it
    out.push_back({ChangeOp::kInsert,
                   codec_.source().relid,
                   WithIdentity(std::move(row), codec_, hash, id, ""),
                   {},
                   0});
  }

  void Delete(const std::string& hash, const std::string& mark, std::vector<RowChange>& out) {
    auto& copies = copies_[hash];
    const std::string* chosen = nullptr;
    for (auto& [id, state] : copies)
      if (state.deleted && state.deleted_by == mark) chosen = &id;  // applied already: a replay
    if (chosen == nullptr)
      for (auto& [id, state] : copies)
        if (!state.deleted) {
          chosen = &id;  // the smallest live id
          break;
        }
    if (chosen == nullptr)
      ThrowFatal("table " + codec_.source().QualifiedName() +
                 " (no primary key): a row deleted or updated in PostgreSQL has no copy left in "
                 "ClickHouse, so the two differ (did a column change with a default?); resync "
                 "the pipe");
    CopyState& state = copies[*chosen];
    state.deleted = true;
    state.deleted_by = mark;
    out.push_back({ChangeOp::kDelete,
                   codec_.source().relid,
                   WithIdentity({}, codec_, hash, *chosen, mark),
                   {},
                   0});
  }

  void Truncate() { copies_.clear(); }

 private:
  const TableCodec& codec_;
  Copies copies_;
};

}  // namespace

std::string ChangeIdentity(Lsn end_lsn, uint32_t ordinal) {
  std::string id;
  AppendBigEndian(end_lsn, id);
  AppendBigEndian(ordinal, id);
  return id;
}

void ResolveKeylessChanges(std::span<Transaction> transactions, const CodecMap& codecs,
                           const CopyLookup& lookup) {
  auto keyless = [&](uint32_t relid) -> const TableCodec* {
    auto it = codecs.find(relid);
    return it != codecs.end() && it->second.source().keyless() ? &it->second : nullptr;
  };
  // First pass: check what each change needs, and which hashes ClickHouse must be asked about.
  std::map<uint32_t, std::set<std::string>> deleted_hashes;
  for (Transaction& txn : transactions)
    for (RowChange& change : txn.changes) {
      const TableCodec* codec = keyless(change.relid);
      if (codec == nullptr || change.op == ChangeOp::kInsert || change.op == ChangeOp::kTruncate)
        continue;
      if (codec->source().identity == RowIdentity::kInsertOnly)
        Refuse(*codec, change.op == ChangeOp::kDelete ? "a DELETE" : "an UPDATE");
      const Row& old_values = change.op == ChangeOp::kDelete ? change.row : change.old_row;
      if (old_values.empty())
        ThrowFatal("table " + codec->source().QualifiedName() +
                   " (no primary key): an UPDATE came without the old row; is its REPLICA "
                   "IDENTITY still FULL?");
      deleted_hashes[change.relid].insert(codec->RowHash(old_values));
    }

  std::unordered_map<uint32_t, Resolver> resolvers;
  for (Transaction& txn : transactions) {
    bool any = false;
    for (const RowChange& change : txn.changes) any = any || keyless(change.relid) != nullptr;
    if (!any) continue;
    std::vector<RowChange> rewritten;
    rewritten.reserve(txn.changes.size());
    for (RowChange& change : txn.changes) {
      const TableCodec* codec = keyless(change.relid);
      if (codec == nullptr) {
        rewritten.push_back(std::move(change));
        continue;
      }
      auto it = resolvers.find(change.relid);
      if (it == resolvers.end()) {
        Copies copies;
        if (auto hashes = deleted_hashes.find(change.relid); hashes != deleted_hashes.end()) {
          std::vector<std::string> wanted(hashes->second.begin(), hashes->second.end());
          for (StoredCopy& copy : lookup(*codec, wanted))
            copies[copy.hash][copy.id] = {copy.deleted, std::move(copy.deleted_by)};
        }
        it = resolvers.emplace(change.relid, Resolver(*codec, std::move(copies))).first;
      }
      Resolver& resolver = it->second;
      const std::string mark = ChangeIdentity(txn.end_lsn, change.ordinal);
      switch (change.op) {
        case ChangeOp::kInsert: {
          std::string hash = codec->RowHash(change.row);
          resolver.Insert(std::move(change.row), hash, mark, rewritten);
          break;
        }
        case ChangeOp::kDelete:
          resolver.Delete(codec->RowHash(change.row), mark, rewritten);
          break;
        case ChangeOp::kUpdate: {
          resolver.Delete(codec->RowHash(change.old_row), mark, rewritten);
          // FULL sends the old row whole: it holds the values left unchanged (TOAST).
          for (size_t i = 0; i < change.row.size() && i < change.old_row.size(); ++i)
            if (change.row[i].kind == CellKind::kUnchangedToast) change.row[i] = change.old_row[i];
          std::string hash = codec->RowHash(change.row);
          resolver.Insert(std::move(change.row), hash, mark, rewritten);
          break;
        }
        case ChangeOp::kTruncate:
          resolver.Truncate();
          rewritten.push_back(std::move(change));
          break;
      }
    }
    txn.changes = std::move(rewritten);
  }
}

}  // namespace pg2ch
