// Classification of ClickHouse HTTP failures, and URL redaction for messages.
#include <gtest/gtest.h>

#include "destination/clickhouse/http_error.h"

namespace pg2ch {
namespace {

TEST(ClickHouseHttpErrorTest, ReadsCodeFromHeaderOrBody) {
  EXPECT_EQ(ClickHouseErrorCode(" 60\r\n", ""), 60);
  // 18.16's body form, checked against the server.
  EXPECT_EQ(ClickHouseErrorCode("",
                                "Code: 60, e.displayText() = DB::Exception: Table t1.nope "
                                "doesn't exist., e.what() = DB::Exception\n"),
            60);
  EXPECT_EQ(ClickHouseErrorCode("", "Code: 516. DB::Exception: default: Authentication failed"),
            516);
  EXPECT_EQ(ClickHouseErrorCode("", "Bad Gateway"), 0);
}

TEST(ClickHouseHttpErrorTest, Classifies) {
  for (int code : {159, 202, 209, 210, 252, 319}) {
    EXPECT_EQ(ClassifyClickHouseError(500, code), ErrorKind::kRetryable) << code;
  }
  for (int code : {60, 62, 53, 81, 192, 193, 194, 516}) {
    EXPECT_EQ(ClassifyClickHouseError(500, code), ErrorKind::kFatal) << code;
  }
  EXPECT_EQ(ClassifyClickHouseError(503, 0), ErrorKind::kRetryable);
  EXPECT_EQ(ClassifyClickHouseError(502, 0), ErrorKind::kRetryable);
  EXPECT_EQ(ClassifyClickHouseError(404, 0), ErrorKind::kFatal);
}

TEST(ClickHouseHttpErrorTest, RedactsCredentials) {
  EXPECT_EQ(RedactUrl("http://user:secret@ch.example:8123/?x=1"), "http://ch.example:8123/");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:1"), "http://127.0.0.1:1");
  EXPECT_EQ(RedactUrl("https://h:8443/p@th"), "https://h:8443/p@th");
}

}  // namespace
}  // namespace pg2ch
