#include "source/postgres/streamed_transactions.h"

#include <string_view>

#include "common/error.h"
#include "source/postgres/byte_reader.h"

namespace pg2ch {
namespace {

std::string Xid(uint32_t xid) { return std::to_string(xid); }

// The (sub)xid a streamed message names; nullopt for Origin, the one message without one.
std::optional<uint32_t> MessageXid(std::string_view payload) {
  if (payload.empty()) return std::nullopt;
  switch (payload[0]) {
    case 'R':
    case 'Y':
    case 'I':
    case 'U':
    case 'D':
    case 'T':
    case 'M': {
      ByteReader reader(std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()),
                        "streamed message");
      reader.ReadU8("message tag");
      return reader.ReadU32("streamed transaction xid");
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

bool StreamedTransaction::Next(std::string& payload) {
  while (file_->ReadRecord(payload)) {
    std::optional<uint32_t> xid = MessageXid(payload);
    if (!xid || !aborted_.contains(*xid)) return true;
  }
  return false;
}

void StreamedTransactions::Start(const pgoutput::StreamStart& start) {
  if (block_ != nullptr)
    throw DecodeError("pgoutput: Stream Start of transaction " + Xid(start.xid) +
                      " inside the open block of transaction " + Xid(block_xid_));
  if (!create_)
    throw DecodeError("pgoutput: a streamed transaction arrived, but streaming was not requested");
  auto it = open_.find(start.xid);
  if (start.first_segment) {
    if (it != open_.end()) open_.erase(it);  // streamed again from its start
    it = open_.emplace(start.xid, Open{create_(), {}}).first;
  } else if (it == open_.end()) {
    throw DecodeError("pgoutput: a later stream segment of transaction " + Xid(start.xid) +
                      ", whose first segment never came");
  }
  block_ = &it->second;
  block_xid_ = start.xid;
}

void StreamedTransactions::Append(std::span<const uint8_t> payload) {
  if (block_ == nullptr) throw DecodeError("pgoutput: a streamed message outside a stream block");
  block_->file->Append(
      std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
}

void StreamedTransactions::Stop() {
  if (block_ == nullptr) throw DecodeError("pgoutput: Stream Stop outside a stream block");
  // Between blocks an open transaction holds no memory: there may be many of them.
  block_->file->ReleaseBuffer();
  block_ = nullptr;
}

void StreamedTransactions::Abort(const pgoutput::StreamAbort& abort) {
  if (block_ != nullptr) throw DecodeError("pgoutput: Stream Abort inside a stream block");
  auto it = open_.find(abort.xid);
  if (it == open_.end()) return;  // nothing of it held: nothing to drop
  if (abort.subxid == abort.xid)
    open_.erase(it);
  else
    it->second.aborted.insert(abort.subxid);
}

StreamedTransaction StreamedTransactions::Commit(uint32_t xid) {
  if (block_ != nullptr)
    throw DecodeError("pgoutput: Stream Commit of transaction " + Xid(xid) +
                      " inside a stream block");
  auto it = open_.find(xid);
  if (it == open_.end())
    throw DecodeError("pgoutput: Stream Commit of transaction " + Xid(xid) +
                      ", whose streamed changes never came");
  Open done = std::move(it->second);
  open_.erase(it);
  done.file->FinishWriting();
  return StreamedTransaction(std::move(done.file), std::move(done.aborted));
}

}  // namespace pg2ch
