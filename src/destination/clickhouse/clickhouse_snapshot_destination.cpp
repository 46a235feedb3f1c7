#include "destination/clickhouse/clickhouse_snapshot_destination.h"

#include "destination/clickhouse/http_client.h"
#include "destination/clickhouse/snapshot_writer.h"

namespace pg2ch {
namespace {

// A writer with the client it borrows: the client lives exactly as long as its insert.
class OwningWriter final : public SnapshotWriter {
 public:
  OwningWriter(const ClickHouseEndpoint& endpoint, const TableCodec& codec, Lsn version)
      : client_(std::make_unique<ClickHouseClient>(endpoint)),
        writer_(MakeSnapshotWriter(*client_, codec, version)) {}
  void Append(const Row& row) override { writer_->Append(row); }
  void AppendBinary(std::span<const BinaryField> fields) override { writer_->AppendBinary(fields); }
  void Finish() override { writer_->Finish(); }
  uint64_t rows() const override { return writer_->rows(); }

 private:
  std::unique_ptr<ClickHouseClient> client_;
  std::unique_ptr<SnapshotWriter> writer_;  // declared last: goes before the client
};

}  // namespace

ClickHouseSnapshotDestination::ClickHouseSnapshotDestination(
    const ClickHouseEndpoint& endpoint, const std::vector<DestinationTable>& tables,
    const std::vector<size_t>& indexes)
    : endpoint_(endpoint) {
  ClickHouseClient client(endpoint_);
  for (size_t i : indexes) codecs_.try_emplace(i, tables.at(i), client.Caps());
}

std::unique_ptr<SnapshotWriter> ClickHouseSnapshotDestination::NewWriter(size_t table,
                                                                         Lsn version) {
  return std::make_unique<OwningWriter>(endpoint_, codecs_.at(table), version);
}

}  // namespace pg2ch
