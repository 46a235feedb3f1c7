#include "core/change_codec.h"

#include "common/error.h"

namespace pg2ch {
namespace {

void PutU32(uint32_t v, std::string& out) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutRow(const Row& row, std::string& out) {
  PutU32(static_cast<uint32_t>(row.size()), out);
  for (const Cell& cell : row) {
    out.push_back(static_cast<char>(cell.kind));
    if (cell.kind != CellKind::kText) continue;
    PutU32(static_cast<uint32_t>(cell.text.size()), out);
    out.append(cell.text);
  }
}

// Bounds-checked cursor over one payload; every read either succeeds or throws DecodeError.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : bytes_(bytes) {}

  uint8_t U8(const char* what) { return static_cast<uint8_t>(Take(1, what)[0]); }
  uint32_t U32(const char* what) {
    std::string_view b = Take(4, what);
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[i]);
    return v;
  }
  std::string_view Take(size_t n, const char* what) {
    if (n > bytes_.size() - offset_)
      Fail(std::string(what) + " needs " + std::to_string(n) + " bytes, " +
           std::to_string(bytes_.size() - offset_) + " left");
    std::string_view view = bytes_.substr(offset_, n);
    offset_ += n;
    return view;
  }
  bool AtEnd() const { return offset_ == bytes_.size(); }
  size_t Remaining() const { return bytes_.size() - offset_; }
  [[noreturn]] void Fail(const std::string& problem) const {
    throw DecodeError("spilled change at byte " + std::to_string(offset_) + ": " + problem);
  }

 private:
  std::string_view bytes_;
  size_t offset_ = 0;  // invariant: offset_ <= bytes_.size()
};

Row TakeRow(Cursor& in) {
  uint32_t count = in.U32("cell count");
  // Each cell takes at least one byte: a corrupt count cannot make us allocate gigabytes.
  if (count > in.Remaining())
    in.Fail("cell count " + std::to_string(count) + " exceeds the record");
  Row row;
  row.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint8_t kind = in.U8("cell kind");
    if (kind == static_cast<uint8_t>(CellKind::kNull)) {
      row.push_back(Cell::Null());
    } else if (kind == static_cast<uint8_t>(CellKind::kUnchangedToast)) {
      row.push_back(Cell::Unchanged());
    } else if (kind == static_cast<uint8_t>(CellKind::kText)) {
      uint32_t length = in.U32("text length");
      row.push_back(Cell::Text(std::string(in.Take(length, "text"))));
    } else {
      in.Fail("unknown cell kind " + std::to_string(kind));
    }
  }
  return row;
}

}  // namespace

void AppendChangePayload(const RowChange& change, std::string& out) {
  out.push_back(static_cast<char>(change.op));
  PutU32(change.relid, out);
  PutRow(change.row, out);
  PutRow(change.old_row, out);
}

void AppendChangeRecord(const RowChange& change, std::string& out) {
  size_t header = out.size();
  PutU32(0, out);  // the payload length, patched below
  AppendChangePayload(change, out);
  uint32_t length = static_cast<uint32_t>(out.size() - header - kChangeRecordHeaderBytes);
  for (int i = 0; i < 4; ++i) out[header + i] = static_cast<char>((length >> (8 * i)) & 0xff);
}

RowChange DecodeChangePayload(std::string_view payload) {
  Cursor in(payload);
  RowChange change;
  uint8_t op = in.U8("op");
  if (op > static_cast<uint8_t>(ChangeOp::kTruncate)) in.Fail("unknown op " + std::to_string(op));
  change.op = static_cast<ChangeOp>(op);
  change.relid = in.U32("relid");
  change.row = TakeRow(in);
  change.old_row = TakeRow(in);
  if (!in.AtEnd()) in.Fail(std::to_string(in.Remaining()) + " bytes left after the change");
  return change;
}

uint32_t DecodeChangeRecordLength(std::string_view header) {
  return Cursor(header).U32("record length");
}

}  // namespace pg2ch
