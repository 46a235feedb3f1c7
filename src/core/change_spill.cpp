#include "core/change_spill.h"

#include "common/error.h"
#include "core/change_codec.h"

namespace pg2ch {

std::unique_ptr<ChangeSpill> ChangeSpill::Create(const std::filesystem::path& dir) {
  return std::unique_ptr<ChangeSpill>(new ChangeSpill(ScratchFile::Create(dir, "txn")));
}

void ChangeSpill::RemoveLeftovers(const std::filesystem::path& dir) {
  ScratchFile::RemoveLeftovers(dir);
}

ChangeSpill::~ChangeSpill() = default;

void ChangeSpill::Append(const RowChange& change) {
  record_.clear();
  AppendChangePayload(change, record_);
  file_->Append(record_);
}

void ChangeSpill::FinishWriting(std::unordered_map<uint32_t, size_t> widths) {
  file_->FinishWriting();
  record_.clear();
  record_.shrink_to_fit();
  widths_ = std::move(widths);
}

std::vector<RowChange> ChangeSpill::ReadChunk(size_t max) {
  std::vector<RowChange> chunk;
  while (chunk.size() < max && file_->ReadRecord(record_)) {
    RowChange change = DecodeChangePayload(record_);
    // Added columns are appended, so padding the end keeps every existing cell in its place.
    if (auto it = widths_.find(change.relid); it != widths_.end()) {
      if (!change.row.empty() && change.row.size() < it->second) change.row.resize(it->second);
      if (!change.old_row.empty() && change.old_row.size() < it->second)
        change.old_row.resize(it->second);
    }
    change.ordinal = static_cast<uint32_t>(file_->read() - 1);  // spilled in order, from 0
    chunk.push_back(std::move(change));
  }
  return chunk;
}

}  // namespace pg2ch
