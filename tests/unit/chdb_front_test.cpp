// The test front for libchdb (tests/chdb_server) without the library: ClickHouse's HTTP
// conventions answered over a fake engine that records what it was asked, the INSERT splitter,
// and the error conventions. The integration tests run the same front over the real engine.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "clickhouse_errors.h"
#include "http_front.h"
#include "insert_split.h"

namespace pg2ch::chdb_front {
namespace {

using namespace std::string_literals;

class FakeEngine : public SqlEngine {
 public:
  EngineResult Execute(const EngineRequest& request) override {
    Call call{request, std::string(request.insert_data)};
    call.request.insert_data = {};  // the original is borrowed
    calls.push_back(std::move(call));
    return next;
  }
  // One statement per ';'-separated non-blank piece, like the engine's parser.
  StatementInfo Classify(std::string_view sql) override {
    StatementInfo info;
    size_t start = 0;
    while (start <= sql.size()) {
      size_t end = std::min(sql.find(';', start), sql.size());
      if (sql.substr(start, end - start).find_first_not_of(" \n\t") != std::string_view::npos) {
        ++info.count;
      }
      start = end + 1;
    }
    return info;
  }
  bool IsSetting(std::string_view name) override {
    return name == "max_threads" || name == "readonly";
  }

  struct Call {
    EngineRequest request;
    std::string data;
  };
  std::vector<Call> calls;
  EngineResult next = Success("1\n");

  static EngineResult Success(std::string data) {
    EngineResult result;
    result.ok = true;
    result.data = std::move(data);
    return result;
  }
  static EngineResult Failure(std::string error) {
    EngineResult result;
    result.error = std::move(error);
    return result;
  }
};

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<none>";
}

class HttpFrontTest : public ::testing::Test {
 protected:
  HttpResponse Post(std::vector<std::pair<std::string, std::string>> params, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    return front.Handle({"POST", "/", std::move(params), std::move(headers), std::move(body)});
  }

  // The status, the exception code header and the body must tell the same story.
  void ExpectException(const HttpResponse& r, int status, int code, const std::string& needle) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(HeaderOf(r, "X-ClickHouse-Exception-Code"), std::to_string(code));
    EXPECT_EQ(r.body.rfind("Code: " + std::to_string(code) + ". DB::Exception: ", 0), 0u) << r.body;
    EXPECT_NE(r.body.find(needle), std::string::npos) << r.body;
  }

  FakeEngine engine;
  HttpFront front{engine};
};

TEST_F(HttpFrontTest, PingAndRootAnswerOk) {
  EXPECT_EQ(front.Handle({"GET", "/ping", {}, {}, ""}).body, "Ok.\n");
  HttpResponse root = front.Handle({"GET", "/", {}, {}, ""});
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.body, "Ok.\n");
  EXPECT_EQ(front.Handle({"GET", "/play", {}, {}, ""}).status, 404);
  EXPECT_EQ(front.Handle({"PUT", "/", {}, {}, "SELECT 1"}).status, 405);
  EXPECT_TRUE(engine.calls.empty());
}

TEST_F(HttpFrontTest, InsertDataGoesToTheEngineByteForByte) {
  // Blank lines and NUL bytes: what libchdb's one-shot call would cut (insert_split.h).
  const std::string data = "\x01\x00\n\n\x02\x00\n\n\n"s;
  engine.next.rows_written = 2;
  HttpResponse r = Post(
      {{"query", "INSERT INTO `d`.`t` (`a`) FORMAT RowBinary"}, {"wait_end_of_query", "1"}}, data);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(HeaderOf(r, "X-ClickHouse-Summary"), "{\"written_rows\":\"2\"}");
  ASSERT_EQ(engine.calls.size(), 1u);
  EXPECT_EQ(engine.calls[0].request.sql, "INSERT INTO `d`.`t` (`a`) ");
  EXPECT_EQ(engine.calls[0].request.insert_format, "RowBinary");
  EXPECT_EQ(engine.calls[0].data, data);
}

TEST_F(HttpFrontTest, StatementInTheBodyWithItsData) {
  engine.next.rows_written = 1;
  HttpResponse r = Post({}, "INSERT INTO t FORMAT TSV\n1\tx\n");
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(engine.calls.size(), 1u);
  EXPECT_EQ(engine.calls[0].request.insert_format, "TSV");
  EXPECT_EQ(engine.calls[0].data, "1\tx\n");
}

TEST_F(HttpFrontTest, QueryParameterAndBodyAreOneStatement) {
  HttpResponse r = Post({{"query", "SELECT 1"},
                         {"database", "db1"},
                         {"default_format", "JSON"},
                         {"max_threads", "1"}},
                        "AS x");
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(engine.calls.size(), 1u);
  const EngineRequest& q = engine.calls[0].request;
  EXPECT_EQ(q.sql, "SELECT 1\nAS x");
  EXPECT_EQ(q.database, "db1");
  EXPECT_EQ(q.default_format, "JSON");
  EXPECT_EQ(q.settings, (std::vector<std::pair<std::string, std::string>>{{"max_threads", "1"}}));
  EXPECT_TRUE(q.insert_format.empty());
  EXPECT_EQ(r.body, "1\n");
}

TEST_F(HttpFrontTest, GetRunsReadOnly) {
  HttpResponse r = front.Handle({"GET", "/", {{"query", "SELECT 2"}}, {}, ""});
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(engine.calls.size(), 1u);
  EXPECT_EQ(engine.calls[0].request.settings,
            (std::vector<std::pair<std::string, std::string>>{{"readonly", "2"}}));
}

TEST_F(HttpFrontTest, RefusesWhatItDoesNotImplement) {
  ExpectException(Post({{"no_such_setting", "1"}}, "SELECT 1"), 404, 115, "no_such_setting");
  ExpectException(Post({{"param_x", "1"}}, "SELECT {x:UInt8}"), 501, 48, "param_x");
  ExpectException(Post({{"session_id", "s"}}, "SELECT 1"), 501, 48, "session_id");
  ExpectException(Post({}, "SELECT 1", {{"Content-Encoding", "gzip"}}), 501, 48, "gzip");
  ExpectException(Post({{"query", "INSERT INTO t FORMAT TSV SETTINGS x = 1"}}, "1\n"), 501, 48,
                  "SETTINGS after FORMAT");
  ExpectException(Post({}, "SELECT 1; DROP TABLE t"), 400, 62, "Multi-statements");
  ExpectException(Post({}, " \n"), 400, 62, "Empty query");
  EXPECT_TRUE(engine.calls.empty());
}

TEST_F(HttpFrontTest, OnlyDefaultWithoutPasswordGetsIn) {
  ExpectException(Post({}, "SELECT 1", {{"X-ClickHouse-User", "bob"}}), 403, 516, "bob");
  ExpectException(Post({}, "SELECT 1", {{"x-clickhouse-key", "secret"}}), 403, 516, "default");
  // Basic auth "bob:pw" and "default:" (empty password).
  ExpectException(Post({}, "SELECT 1", {{"Authorization", "Basic Ym9iOnB3"}}), 403, 516, "bob");
  ExpectException(Post({{"user", "default"}, {"password", "x"}}, "SELECT 1"), 403, 516,
                  "Authentication failed");
  EXPECT_TRUE(engine.calls.empty());
  EXPECT_EQ(Post({}, "SELECT 1", {{"Authorization", "Basic ZGVmYXVsdDo="}}).status, 200);
  EXPECT_EQ(Post({}, "SELECT 1", {{"X-ClickHouse-User", "default"}}).status, 200);
  EXPECT_EQ(engine.calls.size(), 2u);
}

TEST_F(HttpFrontTest, EngineErrorsKeepTheirCode) {
  engine.next = FakeEngine::Failure("Code: 60. DB::Exception: Unknown table x. (UNKNOWN_TABLE)");
  HttpResponse r = Post({}, "SELECT * FROM x");
  ExpectException(r, 404, 60, "Unknown table x");
  EXPECT_EQ(r.body, engine.next.error + "\n");

  engine.next = FakeEngine::Failure("something broke");
  ExpectException(Post({}, "SELECT 1"), 500, 1001, "libchdb: something broke");
}

// Data that did not become rows is an error, never a success.
TEST_F(HttpFrontTest, InsertDataThatWroteNoRowsIsAnError) {
  engine.next.rows_written = 0;
  ExpectException(Post({{"query", "INSERT INTO t FORMAT RowBinary"}}, "\x01\x02"s), 500, 1001,
                  "wrote no rows");
  // Blank data legitimately writes nothing.
  EXPECT_EQ(Post({{"query", "INSERT INTO t FORMAT TSV"}}, "\n").status, 200);
}

TEST(InsertSplit, SplitsWhereClickHouseDoes) {
  const std::string binary = "INSERT INTO `d`.`t` (`a`, `FORMAT`) FORMAT RowBinary\n\n\x00x"s;
  auto split = SplitInsert(binary);  // the parts point into `binary`
  ASSERT_TRUE(split);
  EXPECT_EQ(split->head, "INSERT INTO `d`.`t` (`a`, `FORMAT`) ");
  EXPECT_EQ(split->format, "RowBinary");
  EXPECT_EQ(split->data, "\n\x00x"s);  // one newline belongs to the statement, the next is data
  EXPECT_TRUE(split->unsupported.empty());

  split = SplitInsert("insert into t format TSV \t\r\n1\tx\n");
  ASSERT_TRUE(split);
  EXPECT_EQ(split->format, "TSV");
  EXPECT_EQ(split->data, "1\tx\n");

  split = SplitInsert("INSERT INTO t FORMAT CSV 1,2");
  ASSERT_TRUE(split);
  EXPECT_EQ(split->data, "1,2");

  // FORMAT inside strings, quoted names, comments and argument lists is not the clause.
  split = SplitInsert(
      "/* FORMAT a */ INSERT INTO FUNCTION file('x FORMAT y', \"FORMAT\") -- FORMAT b\n"
      "FORMAT JSONEachRow\n{}");
  ASSERT_TRUE(split);
  EXPECT_EQ(split->format, "JSONEachRow");
  EXPECT_EQ(split->data, "{}");
}

TEST(InsertSplit, LeavesOtherStatementsWhole) {
  EXPECT_FALSE(SplitInsert("INSERT INTO t VALUES (1, 'FORMAT x')"));
  EXPECT_FALSE(SplitInsert("INSERT INTO t SELECT * FROM u FORMAT TSV"));
  EXPECT_FALSE(SplitInsert("SELECT 1 FORMAT TSV"));
  EXPECT_FALSE(SplitInsert("INSERT INTO t FORMAT"));
  EXPECT_FALSE(SplitInsert(""));
}

TEST(InsertSplit, FlagsFormsItDoesNotSplit) {
  EXPECT_NE(SplitInsert("INSERT INTO t FORMAT TSV SETTINGS a = 1\n1")->unsupported, "");
  EXPECT_NE(SplitInsert("INSERT INTO t FORMAT TSV;1")->unsupported, "");
}

TEST(ClickHouseErrors, CodesAndStatuses) {
  EXPECT_EQ(ParseExceptionCode("Code: 60. DB::Exception: x"), 60);
  EXPECT_EQ(ParseExceptionCode("Code: 60 DB::Exception"), 0);
  EXPECT_EQ(ParseExceptionCode("error Code: 60."), 0);
  EXPECT_EQ(ParseExceptionCode("Code: -1."), 0);
  EXPECT_EQ(HttpStatusForCode(516), 403);
  EXPECT_EQ(HttpStatusForCode(62), 400);
  EXPECT_EQ(HttpStatusForCode(81), 404);
  EXPECT_EQ(HttpStatusForCode(241), 500);
  EXPECT_EQ(FormatException(115, "Unknown setting 'x'"),
            "Code: 115. DB::Exception: Unknown setting 'x'. (UNKNOWN_SETTING)");
}

}  // namespace
}  // namespace pg2ch::chdb_front
