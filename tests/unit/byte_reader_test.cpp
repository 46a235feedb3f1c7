#include "source/postgres/byte_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"

namespace pg2ch {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

// Runs `read` and returns the DecodeError text; fails the test when nothing is thrown.
template <typename F>
std::string ErrorOf(F&& read) {
  try {
    read();
  } catch (const DecodeError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected DecodeError";
  return {};
}

TEST(ByteReaderTest, ReadsBigEndianIntegers) {
  auto bytes = Bytes(
      {0x7f, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08});
  ByteReader r(bytes);
  EXPECT_EQ(r.ReadU8("a"), 0x7f);
  EXPECT_EQ(r.ReadU16("b"), 0x1234);
  EXPECT_EQ(r.ReadU32("c"), 0x89abcdefu);
  EXPECT_EQ(r.ReadU64("d"), 0x0102030405060708ull);
  EXPECT_TRUE(r.AtEnd());
  EXPECT_EQ(r.Remaining(), 0u);
  EXPECT_EQ(r.Offset(), bytes.size());
}

TEST(ByteReaderTest, ReadsSignedIntegersAsTwosComplement) {
  auto bytes = Bytes({0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0});
  ByteReader r(bytes);
  EXPECT_EQ(r.ReadI16("a"), -2);
  EXPECT_EQ(r.ReadI32("b"), -1);
  EXPECT_EQ(r.ReadI64("c"), INT64_MIN);
}

TEST(ByteReaderTest, ReadsCStringsAndBytesAsViewsIntoTheInput) {
  auto bytes = Bytes({'a', 'b', 0, 0, 'x', 'y', 'z'});
  ByteReader r(bytes);
  std::string_view ab = r.ReadCString("first");
  EXPECT_EQ(ab, "ab");
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(ab.data()), bytes.data());
  EXPECT_EQ(r.ReadCString("empty"), "");
  EXPECT_EQ(r.Remaining(), 3u);
  auto x = r.ReadBytes(1, "x");
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x.data(), bytes.data() + 4);
  EXPECT_EQ(r.ReadText(2, "yz"), "yz");
  EXPECT_EQ(r.ReadBytes(0, "nothing").size(), 0u);
  EXPECT_TRUE(r.AtEnd());
  r.ExpectEnd();
}

TEST(ByteReaderTest, ShortReadNamesContextFieldAndOffsetAndLeavesReaderInPlace) {
  auto bytes = Bytes({1, 2, 3});
  ByteReader r(bytes, "pgoutput Test");
  r.ReadU8("tag");
  std::string error = ErrorOf([&] { r.ReadU32("relation id"); });
  EXPECT_NE(error.find("pgoutput Test"), std::string::npos) << error;
  EXPECT_NE(error.find("relation id"), std::string::npos) << error;
  EXPECT_NE(error.find("offset 1"), std::string::npos) << error;
  EXPECT_EQ(r.Offset(), 1u);
  EXPECT_EQ(r.ReadU16("rest"), 0x0203);
}

TEST(ByteReaderTest, EveryReadPastTheEndThrows) {
  std::vector<uint8_t> empty;
  ByteReader r(empty);
  EXPECT_THROW(r.ReadU8("x"), DecodeError);
  EXPECT_THROW(r.ReadU16("x"), DecodeError);
  EXPECT_THROW(r.ReadU32("x"), DecodeError);
  EXPECT_THROW(r.ReadU64("x"), DecodeError);
  EXPECT_THROW(r.ReadI16("x"), DecodeError);
  EXPECT_THROW(r.ReadI32("x"), DecodeError);
  EXPECT_THROW(r.ReadI64("x"), DecodeError);
  EXPECT_THROW(r.ReadCString("x"), DecodeError);
  EXPECT_THROW(r.ReadBytes(1, "x"), DecodeError);
  EXPECT_THROW(r.ReadText(1, "x"), DecodeError);
  EXPECT_EQ(r.ReadBytes(0, "x").size(), 0u);
}

TEST(ByteReaderTest, HugeLengthsDoNotOverflowTheBoundsCheck) {
  auto bytes = Bytes({1, 2});
  ByteReader r(bytes);
  r.ReadU8("first");
  EXPECT_THROW(r.ReadBytes(SIZE_MAX, "huge"), DecodeError);
  EXPECT_THROW(r.ReadBytes(2, "two"), DecodeError);
  EXPECT_EQ(r.ReadBytes(1, "one")[0], 2);
}

TEST(ByteReaderTest, UnterminatedCStringThrows) {
  auto bytes = Bytes({'a', 'b', 'c'});
  ByteReader r(bytes, "ctx");
  std::string error = ErrorOf([&] { r.ReadCString("relation name"); });
  EXPECT_NE(error.find("unterminated relation name"), std::string::npos) << error;
  EXPECT_EQ(r.Offset(), 0u);
}

TEST(ByteReaderTest, ExpectEndRejectsTrailingBytes) {
  auto bytes = Bytes({1, 2});
  ByteReader r(bytes, "ctx");
  r.ReadU8("first");
  std::string error = ErrorOf([&] { r.ExpectEnd(); });
  EXPECT_NE(error.find("1 unexpected trailing bytes"), std::string::npos) << error;
}

TEST(ByteReaderTest, FailReportsContextAndOffset) {
  auto bytes = Bytes({1, 2});
  ByteReader r(bytes, "first");
  r.SetContext("second");
  r.ReadU8("x");
  EXPECT_EQ(r.Context(), "second");
  EXPECT_EQ(ErrorOf([&] { r.Fail("bad value"); }),
            "decode error: second at offset 1 of 2: bad value");
}

TEST(ByteReaderTest, DescribeTagShowsPrintableAndHex) {
  EXPECT_EQ(DescribeTag('w'), "'w' (0x77)");
  EXPECT_EQ(DescribeTag(0), "0x00");
  EXPECT_EQ(DescribeTag(0xff), "0xff");
}

}  // namespace
}  // namespace pg2ch
