#include "destination/clickhouse/snapshot_writer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <string>
#include <thread>

#include "destination/clickhouse/block_queue.h"

namespace pg2ch {
namespace {

// Copies of identical rows in a keyless table are told apart by (version, serial): each writer
// of the process numbers its rows after a number of its own. A load of such a table is never
// resumed (it starts over), so numbers need only be unique within this process.
uint64_t NextWriterNumber() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

class StreamingSnapshotWriter : public ClickHouseSink::SnapshotWriter {
 public:
  StreamingSnapshotWriter(ClickHouseClient& client, const TableCodec& codec, uint64_t version,
                          size_t request_bytes, size_t block_bytes, size_t queue_blocks)
      : client_(client),
        codec_(codec),
        version_(version),
        request_bytes_(std::max<size_t>(request_bytes, 1)),
        block_bytes_(std::clamp<size_t>(block_bytes, 1, request_bytes_)),
        queue_blocks_(queue_blocks),
        serial_base_(NextWriterNumber() << 40) {
    NewBlock();
  }

  ~StreamingSnapshotWriter() override { Abandon(); }

  void Append(const Row& row) override {
    codec_.EncodeSnapshotRow(row, version_, serial_base_ + rows_, block_);
    ++rows_;
    if (block_.size() >= block_bytes_) Ship();
  }

  void AppendBinary(std::span<const BinaryField> fields) override {
    codec_.EncodeBinaryRow(fields, version_, block_, serial_base_ + rows_);
    ++rows_;
    if (block_.size() >= block_bytes_) Ship();
  }

  void Finish() override {
    if (!block_.empty()) Ship();
    EndRequest();
  }

  uint64_t rows() const override { return rows_; }

 private:
  // One streamed INSERT: its queue and the thread that feeds the queue to curl.
  struct Request {
    explicit Request(size_t capacity) : queue(capacity) {}
    BlockQueue queue;
    std::thread thread;
    std::exception_ptr error;  // set by the thread before it ends
  };

  void NewBlock() {
    block_ = std::string();
    block_.reserve(block_bytes_ + block_bytes_ / 8);  // a row may overshoot the mark
  }

  void Ship() {
    if (!request_) StartRequest();
    size_t size = block_.size();
    if (!request_->queue.Push(std::move(block_))) EndRequest();  // rethrows why it stopped
    NewBlock();
    sent_in_request_ += size;
    if (sent_in_request_ >= request_bytes_) EndRequest();
  }

  void StartRequest() {
    request_ = std::make_unique<Request>(queue_blocks_);
    Request* r = request_.get();
    r->thread = std::thread([this, r] {
      try {
        std::string current;
        size_t offset = 0;
        bool ended = false;
        client_.InsertStream(codec_.insert_sql(), [&](char* out, size_t size) -> size_t {
          while (offset == current.size()) {
            if (ended) return 0;
            std::optional<std::string> next = r->queue.Pop();  // throws QueueAborted
            if (!next) {
              ended = true;
              return 0;
            }
            current = std::move(*next);
            offset = 0;
          }
          size_t n = std::min(size, current.size() - offset);
          std::memcpy(out, current.data() + offset, n);
          offset += n;
          return n;
        });
      } catch (...) {
        r->error = std::current_exception();
        r->queue.Abort();  // wakes a producer waiting for room
      }
    });
  }

  // Ends the body, waits for ClickHouse's answer; throws the inserter's error.
  void EndRequest() {
    if (!request_) return;
    request_->queue.Close();
    request_->thread.join();
    std::exception_ptr error = request_->error;
    request_.reset();
    sent_in_request_ = 0;
    if (error) std::rethrow_exception(error);
  }

  // Gives up the request in flight; its outcome no longer matters (nothing is durable without
  // Finish), so its error is dropped on purpose.
  void Abandon() noexcept {
    if (!request_) return;
    request_->queue.Abort();
    request_->thread.join();
    request_.reset();
  }

  ClickHouseClient& client_;
  const TableCodec& codec_;
  const uint64_t version_;
  const size_t request_bytes_;
  const size_t block_bytes_;
  const size_t queue_blocks_;
  const uint64_t serial_base_;
  std::string block_;
  std::unique_ptr<Request> request_;
  size_t sent_in_request_ = 0;
  uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<ClickHouseSink::SnapshotWriter> MakeSnapshotWriter(
    ClickHouseClient& client, const TableCodec& codec, uint64_t version, size_t request_bytes,
    size_t block_bytes, size_t queue_blocks) {
  return std::make_unique<StreamingSnapshotWriter>(client, codec, version, request_bytes,
                                                   block_bytes, queue_blocks);
}

}  // namespace pg2ch
