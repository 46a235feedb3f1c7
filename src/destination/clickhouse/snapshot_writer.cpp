#include "destination/clickhouse/snapshot_writer.h"

#include <string>

namespace pg2ch {
namespace {

class RowBinarySnapshotWriter : public ClickHouseSink::SnapshotWriter {
 public:
  RowBinarySnapshotWriter(ClickHouseClient& client, const TableCodec& codec, uint64_t version,
                          size_t flush_bytes)
      : client_(client), codec_(codec), version_(version), flush_bytes_(flush_bytes) {
    buffer_.reserve(flush_bytes_ + flush_bytes_ / 8);
  }

  void Append(const Row& row) override {
    codec_.EncodeRow(row, version_, buffer_);
    ++rows_;
    if (buffer_.size() >= flush_bytes_) Flush();
  }

  void Finish() override { Flush(); }

  uint64_t rows() const override { return rows_; }

 private:
  void Flush() {
    if (buffer_.empty()) return;
    client_.Insert(codec_.insert_sql(), buffer_);
    buffer_.clear();
  }

  ClickHouseClient& client_;
  const TableCodec& codec_;
  const uint64_t version_;
  const size_t flush_bytes_;
  std::string buffer_;
  uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<ClickHouseSink::SnapshotWriter> MakeSnapshotWriter(ClickHouseClient& client,
                                                                   const TableCodec& codec,
                                                                   uint64_t version,
                                                                   size_t flush_bytes) {
  return std::make_unique<RowBinarySnapshotWriter>(client, codec, version, flush_bytes);
}

}  // namespace pg2ch
