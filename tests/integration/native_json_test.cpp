// native_json: json and jsonb as ClickHouse's JSON type on servers that have it (a clear refusal
// on the others). Documents are compared as JSON values after the normalisation ClickHouse's
// JSON applies (null members and empty objects dropped, key order, number spelling), nothing
// else: strings that look like dates, dotted keys (read with json_type_escape_dots_in_keys, as
// pg2ch writes them) and 64-bit integers come back as they were.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

using nlohmann::json;

constexpr double kWait = 120;

// What ClickHouse's JSON keeps of a PostgreSQL document.
json Normalised(const json& value) {
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, member] : value.items()) {
      json kept = Normalised(member);
      if (kept.is_null() || (kept.is_object() && kept.empty())) continue;
      out[key] = std::move(kept);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const json& element : value) out.push_back(Normalised(element));
    return out;
  }
  return value;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

// "" when every row of docs has the same id, tags and normalised documents on both sides.
std::string Differences(const TestDatabases& dbs, size_t& compared) {
  std::string pg_rows = PgQuery(dbs.pg,
                                "SELECT COALESCE(json_agg(json_build_object('id', id, 'doc', doc, "
                                "'raw', raw, 'tags', array_to_json(tags)::text, 'note', note) "
                                "ORDER BY id), '[]') FROM docs")[0][0];
  std::string ch_rows = ChQuery(
      dbs.ch, "SELECT id, doc, raw, tags, note FROM `" + dbs.ch.database +
                  "`.docs FINAL WHERE _peerdb_is_deleted = 0 ORDER BY id FORMAT JSONEachRow "
                  "SETTINGS output_format_json_quote_64bit_integers = 0, "
                  "json_type_escape_dots_in_keys = 1");
  json pg = json::parse(pg_rows);
  std::vector<std::string> ch = Lines(ch_rows);
  compared = ch.size();
  std::string diff;
  if (pg.size() != ch.size())
    diff += "postgres has " + std::to_string(pg.size()) + " rows, clickhouse " +
            std::to_string(ch.size()) + "; ";
  for (size_t i = 0; i < std::min(pg.size(), ch.size()) && diff.size() < 2000; ++i) {
    json c = json::parse(ch[i]);
    const json& p = pg[i];
    // JSON arrays of jsonb stay Array(Nullable(String)): their elements' text.
    json tags = json::array();
    if (!p["tags"].is_null())
      for (const json& t : json::parse(p["tags"].get<std::string>()))
        tags.push_back(t.is_null() ? json() : json(t.dump()));
    for (json& t : c["tags"])
      if (!t.is_null()) t = json::parse(t.get<std::string>()).dump();
    bool same = c["id"] == p["id"] && c["note"] == p["note"] && c["tags"] == tags &&
                c["doc"] == (p["doc"].is_null() ? json() : Normalised(p["doc"])) &&
                c["raw"] == Normalised(p["raw"]);
    if (!same)
      diff += "row " + p["id"].dump() + ": postgres " + p.dump() + " clickhouse " + ch[i] + "; ";
  }
  return diff;
}

std::string WaitForSame(const TestDatabases& dbs, double seconds) {
  std::string diff;
  size_t compared = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    diff = Differences(dbs, compared);
    if (diff.empty()) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  } while (std::chrono::steady_clock::now() < until);
  return diff;
}

class NativeJson : public EngineTest {};

TEST_P(NativeJson, DocumentsReplicateAsJsonObjectsOrOldServerRefuses) {
  TestDatabases dbs = NewDatabases("nativejson");
  const std::string pipe = PipeName("nativejson");
  // Documents generated over the value kinds JSON paths take: 64-bit integers at both ends,
  // binary-exact fractions, tiny exponents, strings that read as dates, times, numbers or
  // addresses, unicode and escapes, dotted and empty keys, nested objects, arrays of mixed kinds,
  // null members and empty objects (which ClickHouse drops) and SQL NULLs; a TOASTed document.
  PgExec(dbs.pg, R"sql(
    CREATE TABLE docs (id int PRIMARY KEY, doc jsonb, raw json NOT NULL, tags jsonb[], note text);
    INSERT INTO docs SELECT i,
      CASE WHEN i % 17 = 0 THEN NULL
           WHEN i % 19 = 0 THEN '{}'::jsonb
           ELSE jsonb_build_object(
             'n', i, 'neg', -i * 1000003, 'half', i / 4.0, 'small', i * 1e-300,
             'min', -9223372036854775808, 'max', 18446744073709551615,
             's', 'v' || i || E' \u00e9 "q" \\ \t', 'date', '2020-01-' || lpad((i % 28 + 1)::text, 2, '0'),
             'time', '2020-01-01 10:00:00.' || (i % 10), 'digits', lpad(i::text, 5, '0'),
             'ip', '10.0.' || (i % 256) || '.1', 'a.b', i % 3 = 0, '', 'empty key',
             'nested', jsonb_build_object('deep', jsonb_build_object('x', i, 'none', NULL),
                                          'list', jsonb_build_array(i, 'two', NULL, true, 2.5)),
             'gone', NULL, 'void', '{}'::jsonb,
             'objs', jsonb_build_array(jsonb_build_object('k', i), jsonb_build_object('k', NULL))) END,
      CASE WHEN i % 5 = 0 THEN '{"b": 1, "a": [1, 2, {"c": "d"}]}'
           ELSE (' {"raw": ' || i || ', "text": "t' || i || '"}')::json END,
      CASE WHEN i % 7 = 0 THEN NULL
           ELSE ARRAY['{"t": 1}'::jsonb, NULL, to_jsonb(i), '[1, "x"]'::jsonb] END,
      'note ' || i
    FROM generate_series(1, 400) i;
    INSERT INTO docs VALUES (1000,
      (SELECT jsonb_object_agg('key' || g, repeat(md5(g::text), 4)) FROM generate_series(1, 3000) g),
      '{"big": true}', NULL, 'toasted');
  )sql");
  PipeFiles files = WritePipe(dbs, pipe, {"public.docs"}, "\"native_json\": true");
  auto pg2ch = StartPg2ch(files);
  if (!modern()) {
    EXPECT_EQ(pg2ch->Wait(60), 1) << pg2ch->Output();
    EXPECT_NE(LastError(files, pipe).find("native_json needs ClickHouse 25.3"), std::string::npos)
        << LastError(files, pipe);
    return;
  }
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << pg2ch->Output();
  EXPECT_EQ(
      ChQuery(dbs.ch, "SELECT name, type FROM system.columns WHERE database = '" + dbs.ch.database +
                          "' AND table = 'docs' AND name IN ('doc', "
                          "'raw', 'tags') ORDER BY name FORMAT TSV"),
      "doc\tNullable(JSON)\nraw\tJSON\ntags\tArray(Nullable(String))\n");
  EXPECT_EQ(WaitForSame(dbs, kWait), "") << pg2ch->Output();
  // Paths are typed sub-columns that queries can read.
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT sum(doc.n::Int64) FROM `" + dbs.ch.database +
                                "`.docs FINAL WHERE _peerdb_is_deleted = 0 AND id <= 10"),
            "55\n");

  // CDC: inserts, updates of the document, an update of another column leaving the TOASTed
  // document unchanged (read back from ClickHouse as text), deletes, and new SQL NULLs.
  PgExec(dbs.pg, R"sql(
    INSERT INTO docs SELECT i, jsonb_build_object('cdc', i, 'when', '2021-02-03 04:05:06.7',
                                                  'arr', jsonb_build_array(i, NULL), 'z', NULL),
                     '{"c": 1}', ARRAY[to_jsonb(i)], 'cdc' FROM generate_series(401, 500) i;
    UPDATE docs SET doc = doc || jsonb_build_object('updated', true, 'n', -1) WHERE id % 10 = 1;
    UPDATE docs SET doc = NULL, raw = '{}' WHERE id % 10 = 2;
    UPDATE docs SET note = 'toast kept' WHERE id = 1000;
    DELETE FROM docs WHERE id % 10 = 3;
  )sql");
  EXPECT_EQ(WaitForSame(dbs, kWait), "") << pg2ch->Output();
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT length(JSONAllPaths(doc)) FROM `" + dbs.ch.database +
                                "`.docs FINAL WHERE id = 1000"),
            "3000\n");

  // A document that is not an object stops the pipe naming the column; nothing is skipped.
  PgExec(dbs.pg, "INSERT INTO docs VALUES (2000, '[1, 2]', '{}', NULL, 'array doc')");
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kFailed, kWait)) << pg2ch->Output();
  std::string error = LastError(files, pipe);
  EXPECT_NE(error.find("objects only"), std::string::npos) << error;
  EXPECT_NE(error.find("doc"), std::string::npos) << error;
  EXPECT_EQ(ChCount(dbs, "docs"), PgCount(dbs, "docs") - 1);
  pg2ch->Signal(SIGTERM);
  pg2ch->Wait(30);

  // A number JSON has no type for (jsonb keeps any numeric) is refused by ClickHouse: the load
  // fails with ClickHouse's reason instead of storing a rounded or missing value.
  PgExec(dbs.pg,
         "CREATE TABLE huge (id int PRIMARY KEY, doc jsonb);"
         "INSERT INTO huge VALUES (1, '{\"n\": 1}'), (2, '{\"n\": 1e400}')");
  const std::string second = PipeName("nativejson_huge");
  PipeFiles huge = WritePipe(dbs, second, {"public.huge"}, "\"native_json\": true");
  auto again = StartPg2ch(huge);
  ASSERT_TRUE(WaitForState(huge, second, PipeState::kFailed, kWait)) << again->Output();
  EXPECT_NE(LastError(huge, second).find("JSON"), std::string::npos) << LastError(huge, second);
  again->Signal(SIGTERM);
  again->Wait(30);
}

PG2CH_INSTANTIATE_ENGINE_TESTS(NativeJson);

}  // namespace
}  // namespace pg2ch::test
