// The ClickHouse HTTP conventions pg2ch relies on, checked on every engine: ClickHouse 18.16 is
// the reference, and ClickHouse 26 is reached through tests/chdb_server's front, which must
// behave the same (and refuse, never fake, what it does not implement).
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "harness/engine_test.h"

namespace pg2ch::test {
namespace {

using namespace std::string_literals;

struct Answer {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* out) {
  std::string line(data, size * count);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n") + 1);
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * count;
}

struct Upload {
  const std::string* body;
  size_t at = 0;
};

// Sends the body in small pieces, so that chunked transfer really has many chunks.
size_t ReadUpload(char* buffer, size_t size, size_t count, void* in) {
  auto* upload = static_cast<Upload*>(in);
  size_t n = std::min({size * count, upload->body->size() - upload->at, size_t{4096}});
  std::memcpy(buffer, upload->body->data() + upload->at, n);
  upload->at += n;
  return n;
}

// One HTTP request; `params` is the URL query string (already escaped). POST unless `get`;
// `chunked` sends the body with chunked transfer encoding, as pg2ch's snapshot does.
Answer Http(const ClickHouseEndpoint& ch, const std::string& params, const std::string& body,
            bool get = false, bool chunked = false, const std::string& user = "") {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  CURL* h = curl.get();
  std::string url = ch.url + "/?" + params;
  Answer answer;
  curl_slist* headers = nullptr;
  if (!user.empty()) headers = curl_slist_append(headers, ("X-ClickHouse-User: " + user).c_str());
  headers = curl_slist_append(headers, "Expect:");
  if (chunked) headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> free_headers(headers,
                                                                           &curl_slist_free_all);
  Upload upload{&body};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  if (!get) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    if (chunked) {
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadUpload);
      curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    } else {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &AppendHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &answer.headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    answer.body = curl_easy_strerror(rc);
    return answer;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

std::string Escape(const std::string& text) {
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = escaped;
  curl_free(escaped);
  return out;
}

// RowBinary rows (UInt32 id, String s) that hold what breaks naive handling: ids whose bytes are
// "\n\n" (0x0A0A = 2570) or NUL, strings with blank lines.
std::string RowBinary(uint32_t rows, uint64_t* id_sum) {
  std::string out;
  *id_sum = 0;
  for (uint32_t id = 0; id < rows; ++id) {
    out.append(reinterpret_cast<const char*>(&id), 4);  // little-endian on x86-64
    std::string s = id % 7 == 0 ? "\n\n" : std::string(id % 13, 'x') + "\0\n"s;
    out += static_cast<char>(s.size());
    out += s;
    *id_sum += id;
  }
  return out;
}

// A failure tells one story: a non-200 status and the code at the start of the body ("Code: N."
// on modern servers, "Code: N, e.displayText() = ..." on 18.16), repeated in the
// X-ClickHouse-Exception-Code header where the server sends one (modern servers always do).
// Returns the code.
int CheckException(const Answer& answer, bool header_required) {
  EXPECT_NE(answer.status, 200) << answer.body;
  if (answer.body.rfind("Code: ", 0) != 0) {
    ADD_FAILURE() << "no exception code in the body: " << answer.body;
    return 0;
  }
  int code = std::atoi(answer.body.c_str() + 6);
  auto header = answer.headers.find("x-clickhouse-exception-code");
  if (header != answer.headers.end()) {
    EXPECT_EQ(header->second, std::to_string(code)) << answer.body;
  } else {
    EXPECT_FALSE(header_required) << "no X-ClickHouse-Exception-Code header: " << answer.body;
  }
  return code;
}

class ClickHouseHttp : public EngineTest {
 protected:
  void SetUp() override {
    dbs_ = NewDatabases("http");
    ChQuery(dbs_.ch, "CREATE TABLE t (id UInt32, s String) ENGINE = MergeTree ORDER BY id");
  }
  std::string Count() { return ChQuery(dbs_.ch, "SELECT count(), sum(id) FROM t"); }
  int ExpectException(const Answer& answer) { return CheckException(answer, modern()); }
  std::string InsertParams() {
    return "query=" +
           Escape("INSERT INTO `" + dbs_.ch.database + "`.`t` (`id`, `s`) FORMAT RowBinary");
  }
  TestDatabases dbs_;
};

// pg2ch's insert: the statement in the URL, RowBinary in the body, in one piece or chunked.
TEST_P(ClickHouseHttp, RowBinaryInsertKeepsEveryByte) {
  uint64_t sum = 0;
  const std::string rows = RowBinary(100000, &sum);
  Answer plain = Http(dbs_.ch, InsertParams(), rows);
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(Count(), "100000\t" + std::to_string(sum) + "\n");
  Answer chunked = Http(dbs_.ch, InsertParams(), rows, false, true);
  ASSERT_EQ(chunked.status, 200) << chunked.body;
  EXPECT_EQ(Count(), "200000\t" + std::to_string(2 * sum) + "\n");
  EXPECT_EQ(ChQuery(dbs_.ch, "SELECT count() FROM t WHERE s = '\\n\\n'"),
            std::to_string(2 * ((100000 + 6) / 7)) + "\n");
}

// A block with a cut row is refused whole: nothing of it is stored.
TEST_P(ClickHouseHttp, TruncatedInsertStoresNothing) {
  uint64_t sum = 0;
  std::string rows = RowBinary(1000, &sum);
  rows.resize(rows.size() - 2);
  Answer answer = Http(dbs_.ch, InsertParams(), rows);
  EXPECT_EQ(ExpectException(answer), 33);  // CANNOT_READ_ALL_DATA
  EXPECT_EQ(Count(), "0\t0\n");
}

TEST_P(ClickHouseHttp, ErrorsCarryTheirCode) {
  Answer unknown_table = Http(dbs_.ch, "", "SELECT * FROM `" + dbs_.ch.database + "`.nope");
  EXPECT_EQ(ExpectException(unknown_table), 60);
  EXPECT_NE(unknown_table.body.find("nope"), std::string::npos) << unknown_table.body;
  EXPECT_EQ(ExpectException(Http(dbs_.ch, "", "SELEC 1")), 62);  // SYNTAX_ERROR
  EXPECT_EQ(ExpectException(Http(dbs_.ch, "no_such_setting=1", "SELECT 1")), 115);
  EXPECT_EQ(ExpectException(Http(dbs_.ch, "", "SELECT 1; SELECT 2")), 62);
  EXPECT_EQ(ExpectException(Http(dbs_.ch, "database=no_such_db", "SELECT 1")), 81);
  // GET is read-only.
  EXPECT_EQ(ExpectException(Http(
                dbs_.ch, "query=" + Escape("DROP TABLE " + dbs_.ch.database + ".t"), "", true)),
            164);  // READONLY
  EXPECT_EQ(Count(), "0\t0\n");
  // An unknown user: 18.16 says UNKNOWN_USER, newer servers AUTHENTICATION_FAILED.
  int denied = ExpectException(Http(dbs_.ch, "", "SELECT 1", false, false, "no_such_user"));
  EXPECT_TRUE(denied == 192 || denied == 516) << denied;
}

TEST_P(ClickHouseHttp, ParametersAndFormats) {
  EXPECT_EQ(Http(dbs_.ch, "query=" + Escape("SELECT 1"), "", true).body, "1\n");
  EXPECT_EQ(
      Http(dbs_.ch, "database=" + dbs_.ch.database + "&wait_end_of_query=1", "EXISTS TABLE t").body,
      "1\n");
  EXPECT_EQ(
      Http(dbs_.ch, "max_threads=3", "SELECT value FROM system.settings WHERE name = 'max_threads'")
          .body,
      "3\n");
  EXPECT_EQ(Http(dbs_.ch, "default_format=JSONEachRow", "SELECT 1 AS x").body, "{\"x\":1}\n");
  // The query parameter and the body are one statement, joined by a newline.
  EXPECT_EQ(Http(dbs_.ch, "query=" + Escape("SELECT 1 AS x"), "FORMAT TabSeparated").body, "1\n");
}

PG2CH_INSTANTIATE_ENGINE_TESTS(ClickHouseHttp);

// ClickHouse 26 only: a client that dies in the middle of its request body (pg2ch killed during
// a streamed snapshot insert) must not have the part that arrived stored by the front.
TEST(ChdbFront, RequestCutMidBodyIsNotRun) {
  if (std::find(TestEngines().begin(), TestEngines().end(), ChEngine::kCh26) ==
      TestEngines().end()) {
    GTEST_SKIP() << "ClickHouse 26 is not part of this run";
  }
  TestDatabases dbs = NewTestDatabases("cut", ChEngine::kCh26);
  ChQuery(dbs.ch, "CREATE TABLE t (id UInt32, s String) ENGINE = MergeTree ORDER BY id");
  uint64_t sum = 0;
  const std::string rows = RowBinary(100, &sum);
  int port = std::stoi(dbs.ch.url.substr(dbs.ch.url.rfind(':') + 1));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  // Complete rows, but fewer bytes than announced; then the client is gone.
  std::string request =
      "POST /?query=" + Escape("INSERT INTO " + dbs.ch.database + ".t FORMAT RowBinary") +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(rows.size() + 1000) +
      "\r\n\r\n" + rows;
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  close(fd);
  // Had the front run the partial body, the rows would show within milliseconds.
  bool stored = WaitUntil(2, [&] { return ChQuery(dbs.ch, "SELECT count() FROM t") != "0\n"; });
  EXPECT_FALSE(stored) << ChQuery(dbs.ch, "SELECT count() FROM t");
}

}  // namespace
}  // namespace pg2ch::test
