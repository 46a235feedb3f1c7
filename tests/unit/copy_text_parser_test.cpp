#include "source/postgres/copy_text_parser.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace pg2ch {
namespace {

TEST(CopyTextParser, SplitsFieldsAndReadsNulls) {
  Row row;
  ParseCopyTextLine("1\thello\t\\N\t\n", 4, row);
  ASSERT_EQ(row.size(), 4u);
  EXPECT_EQ(row[0], Cell::Text("1"));
  EXPECT_EQ(row[1], Cell::Text("hello"));
  EXPECT_EQ(row[2], Cell::Null());
  EXPECT_EQ(row[3], Cell::Text(""));  // empty string is not NULL
}

TEST(CopyTextParser, UnescapesEveryEscape) {
  Row row;
  ParseCopyTextLine("a\\tb\\nc\\\\d\\re\\bf\\fg\\vh\\101\\x41\\q\\N", 1, row);
  EXPECT_EQ(row[0].text, std::string("a\tb\nc\\d\re\bf\fg\vhAAqN"));
  ParseCopyTextLine("\\\\N", 1, row);  // an escaped backslash then N: the text "\N", not NULL
  EXPECT_EQ(row[0], Cell::Text("\\N"));
  ParseCopyTextLine("\\0", 1, row);
  EXPECT_EQ(row[0].text, std::string(1, '\0'));
}

TEST(CopyTextParser, ReusesRowStorage) {
  Row row;
  ParseCopyTextLine("x\ty", 2, row);
  ParseCopyTextLine("\\N\tz", 2, row);
  EXPECT_EQ(row[0], Cell::Null());
  EXPECT_EQ(row[1], Cell::Text("z"));
}

TEST(CopyTextParser, WrongFieldCountAndCutEscapesAreErrors) {
  Row row;
  EXPECT_THROW(ParseCopyTextLine("1\t2\t3", 2, row), DecodeError);
  EXPECT_THROW(ParseCopyTextLine("1", 2, row), DecodeError);
  EXPECT_THROW(ParseCopyTextLine("abc\\", 1, row), DecodeError);
}

}  // namespace
}  // namespace pg2ch
