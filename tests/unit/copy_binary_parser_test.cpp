// The binary COPY parser on hand-built byte streams: framing as PostgreSQL sends it, and every
// way a stream can be cut short or malformed.
#include "source/postgres/copy_binary_parser.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace pg2ch {
namespace {

using Bytes = std::vector<uint8_t>;

void Put(Bytes& b, uint64_t v, int size) {
  for (int i = size - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Bytes Header(uint32_t flags = 0, std::string extension = "") {
  Bytes b = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};
  Put(b, flags, 4);
  Put(b, extension.size(), 4);
  b.insert(b.end(), extension.begin(), extension.end());
  return b;
}

// A tuple; nullopt is NULL.
Bytes Tuple(const std::vector<std::optional<std::string>>& fields) {
  Bytes b;
  Put(b, fields.size(), 2);
  for (const auto& f : fields) {
    if (!f) {
      Put(b, 0xffffffff, 4);
      continue;
    }
    Put(b, f->size(), 4);
    b.insert(b.end(), f->begin(), f->end());
  }
  return b;
}

Bytes Trailer() { return {0xff, 0xff}; }

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Feeds the messages; returns each tuple as strings ("<null>" for NULL).
std::vector<std::vector<std::string>> Parse(const std::vector<Bytes>& messages, size_t fields,
                                            bool* finished = nullptr) {
  CopyBinaryParser parser(fields);
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : messages) {
    parser.Feed(m, [&](std::span<const BinaryField> tuple) {
      std::vector<std::string> row;
      for (const auto& f : tuple)
        row.push_back(f.null() ? "<null>"
                               : std::string(reinterpret_cast<const char*>(f.data), f.size));
      rows.push_back(row);
    });
  }
  if (finished) *finished = parser.finished();
  return rows;
}

TEST(CopyBinaryParser, ReadsTheStreamAsPostgresFramesIt) {
  bool finished = false;
  auto rows =
      Parse({Cat({Header(), Tuple({"1", std::nullopt, ""})}), Tuple({"2", "b", "c"}), Trailer()}, 3,
            &finished);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1", "<null>", ""}));  // empty is not NULL
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2", "b", "c"}));
  EXPECT_TRUE(finished);
}

TEST(CopyBinaryParser, EmptyTableIsHeaderAndTrailer) {
  bool finished = false;
  EXPECT_TRUE(Parse({Cat({Header(), Trailer()})}, 2, &finished).empty());
  EXPECT_TRUE(finished);
}

TEST(CopyBinaryParser, SeveralTuplesInOneMessageAndNonCriticalFlagsAndExtension) {
  bool finished = false;
  auto rows =
      Parse({Cat({Header(1u << 20, "ext"), Tuple({"a"}), Tuple({"b"}), Trailer()})}, 1, &finished);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], "b");
  EXPECT_TRUE(finished);
}

TEST(CopyBinaryParser, NoTrailerMeansNotFinished) {
  bool finished = true;
  Parse({Cat({Header(), Tuple({"a"})})}, 1, &finished);
  EXPECT_FALSE(finished);
}

TEST(CopyBinaryParser, RefusesABadSignatureOrCriticalFlags) {
  Bytes bad = Header();
  bad[7] = 0xfe;
  EXPECT_THROW(Parse({Cat({bad, Trailer()})}, 1), DecodeError);
  EXPECT_THROW(Parse({Cat({Header(1u << 16), Trailer()})}, 1), DecodeError);  // OIDs included
  EXPECT_THROW(Parse({Cat({Header(1u), Trailer()})}, 1), DecodeError);
}

TEST(CopyBinaryParser, RefusesEveryTruncation) {
  const size_t header = Header(0, "xy").size();
  Bytes whole = Cat({Header(0, "xy"), Tuple({"abc", std::nullopt, "de"})});
  for (size_t cut = 0; cut < whole.size(); ++cut) {
    if (cut == header) continue;  // a message of the header alone is well-formed
    Bytes part(whole.begin(), whole.begin() + static_cast<long>(cut));
    EXPECT_THROW(Parse({part}, 3), DecodeError) << "cut at " << cut;
  }
  EXPECT_NO_THROW(Parse({whole}, 3));
}

TEST(CopyBinaryParser, RefusesAFieldCountMismatch) {
  EXPECT_THROW(Parse({Cat({Header(), Tuple({"a", "b"})})}, 3), DecodeError);
  EXPECT_THROW(Parse({Cat({Header(), Tuple({"a", "b", "c", "d"})})}, 3), DecodeError);
  Bytes negative = Header();
  Put(negative, 0xfffe, 2);  // -2 fields
  EXPECT_THROW(Parse({negative}, 3), DecodeError);
}

TEST(CopyBinaryParser, RefusesABadFieldLength) {
  Bytes b = Header();
  Put(b, 1, 2);
  Put(b, 0xfffffffe, 4);  // -2
  EXPECT_THROW(Parse({b}, 1), DecodeError);
}

TEST(CopyBinaryParser, RefusesDataAfterTheTrailer) {
  EXPECT_THROW(Parse({Cat({Header(), Trailer(), Tuple({"a"})})}, 1), DecodeError);
  EXPECT_THROW(Parse({Cat({Header(), Trailer()}), Tuple({"a"})}, 1), DecodeError);
}

}  // namespace
}  // namespace pg2ch
