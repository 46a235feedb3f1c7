// Per-table column choices end to end: an excluded column never reaches ClickHouse (snapshot,
// CDC, nor a column re-created under its name), a sorting key orders the ClickHouse table, and
// deletes (sent with the key only) still replace the live row under its sorting key. Then the
// same choices through the API: rendered back, and refused with every problem listed.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/engine_test.h"
#include "pipe_test_support.h"
#include "server_test_support.h"

namespace pg2ch::test {
namespace {

using nlohmann::json;

constexpr double kCatchUpSeconds = 120;

// events(id PK, day NOT NULL, secret, note): replicated as (id, day, note) ORDER BY (day, id).
std::vector<CompareColumn> Columns() {
  return {{"id::text", "toString(id)"}, {"day::text", "toString(day)"}, {"note", "note"}};
}

void CreateEvents(const PostgresEndpoint& pg, const std::string& table) {
  PgExec(pg, "CREATE TABLE " + table +
                 " (id bigint PRIMARY KEY, day int NOT NULL, secret text, note text, maybe int);"
                 "INSERT INTO " +
                 table +
                 " SELECT g, g % 30, 'secret ' || g, 'note ' || g, g FROM generate_series(1, "
                 "3000) g");
}

// Gives table `index` of the pipe file the JSON fields of `mapping`.
void SetTableFields(const PipeFiles& files, size_t index, const json& mapping) {
  std::ifstream in(files.pipe);
  std::stringstream text;
  text << in.rdbuf();
  json pipe = json::parse(text.str());
  for (const auto& [key, value] : mapping.items()) pipe["tables"][index][key] = value;
  std::ofstream(files.pipe) << pipe.dump(2);
}

std::string ColumnNames(const TestDatabases& dbs, const std::string& table) {
  return ChQuery(dbs.ch, "SELECT name FROM system.columns WHERE database = '" + dbs.ch.database +
                             "' AND table = '" + table +
                             "' AND name NOT LIKE '\\_peerdb%' ORDER BY name FORMAT TabSeparated");
}

class TableMapping : public EngineTest {
 protected:
  // The ORDER BY of a ClickHouse table, as "day, id".
  std::string SortingKey(const TestDatabases& dbs, const std::string& table) {
    if (modern())
      return ChQuery(dbs.ch, "SELECT sorting_key FROM system.tables WHERE database = '" +
                                 dbs.ch.database + "' AND name = '" + table +
                                 "' FORMAT TabSeparated");
    // 18.16's system.tables has no sorting_key: read it from the table's DDL.
    std::string ddl = ChQuery(dbs.ch, "SHOW CREATE TABLE `" + dbs.ch.database + "`.`" + table +
                                          "` FORMAT TabSeparatedRaw");
    auto at = ddl.find("ORDER BY (");
    if (at == std::string::npos) return ddl;
    at += std::string("ORDER BY (").size();
    return ddl.substr(at, ddl.find(')', at) - at) + "\n";
  }
};

TEST_P(TableMapping, ExcludedColumnAndSortingKeyThroughSnapshotAndCdc) {
  TestDatabases dbs = NewDatabases("mapping");
  const std::string pipe = PipeName("mapping");
  CreateEvents(dbs.pg, "public.events");
  PipeFiles files = WritePipe(dbs, pipe, {"public.events"});
  SetTableFields(files, 0, {{"exclude", {"secret", "maybe"}}, {"sorting_keys", {"day"}}});
  auto pg2ch = StartPg2ch(files);

  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kCatchUpSeconds)) << pg2ch->Output();
  EXPECT_EQ(ColumnNames(dbs, "events"), "day\nid\nnote\n");
  EXPECT_EQ(SortingKey(dbs, "events"), "day, id\n");
  ASSERT_EQ(WaitForEqual(dbs, "public.events", "events", Columns(), "id", kCatchUpSeconds), "")
      << pg2ch->Output();

  PgExec(dbs.pg,
         "INSERT INTO public.events SELECT g, g % 30, 'secret', 'new ' || g, g "
         "FROM generate_series(3001, 3500) g");
  PgExec(dbs.pg, "UPDATE public.events SET note = 'updated ' || id WHERE id % 10 = 3");
  PgExec(dbs.pg, "UPDATE public.events SET secret = 'changed' WHERE id % 10 = 4");
  // Deletes carry only the key: the sorting-key value is read back from ClickHouse, or taken
  // from an insert earlier in the same transaction.
  PgExec(dbs.pg, "DELETE FROM public.events WHERE id % 10 = 5");
  PgExec(dbs.pg,
         "BEGIN; INSERT INTO public.events VALUES (9001, 7, 's', 'gone', 1); "
         "DELETE FROM public.events WHERE id = 9001; COMMIT");
  // A key change: the old key is deleted under its own sorting key.
  PgExec(dbs.pg, "UPDATE public.events SET id = id + 100000 WHERE id % 100 = 6");
  // An excluded name re-created later stays excluded; other added columns propagate.
  PgExec(dbs.pg,
         "ALTER TABLE public.events DROP COLUMN secret; ALTER TABLE public.events ADD COLUMN "
         "secret int, ADD COLUMN extra text; INSERT INTO public.events VALUES (4001, 3, 'n', 1, "
         "42, 'x')");

  auto columns = Columns();
  columns.push_back({"extra", "extra"});
  ASSERT_EQ(WaitForEqual(dbs, "public.events", "events", columns, "id", kCatchUpSeconds), "")
      << pg2ch->Output();
  EXPECT_EQ(ChCount(dbs, "events"), PgCount(dbs, "public.events"));
  EXPECT_EQ(ColumnNames(dbs, "events"), "day\nextra\nid\nnote\n");

  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

TEST_P(TableMapping, ApiRendersTheChoicesAndRefusesBadOnesListingEveryProblem) {
  TestDatabases dbs = NewDatabases("mapping_api");
  CreateEvents(dbs.pg, "public.a");
  CreateEvents(dbs.pg, "public.b");
  CreateEvents(dbs.pg, "public.c");
  ServerProcess server(GetServers().work_dir + "/server_" + PipeName("mapping_api"));
  server.Start();

  json bad = CreateBody(dbs, PipeName("mapbad"), {"a", "b"});
  bad["source"]["postgres"]["tableMappings"][0]["excludedColumns"] = {"nope", "id"};
  bad["source"]["postgres"]["tableMappings"][1]["sortingKeys"] = {"maybe"};
  auto refused = server.Call("POST", "/v1/clickpipes", bad.dump());
  ASSERT_EQ(refused.status, 400) << refused.raw;
  ASSERT_EQ(refused.body["problems"].size(), 2u) << refused.raw;
  EXPECT_NE(refused.raw.find("public.a: cannot exclude columns: \\\"nope\\\" does not exist, "
                             "\\\"id\\\" is a primary-key / replica-identity column"),
            std::string::npos)
      << refused.raw;
  EXPECT_NE(refused.raw.find("public.b: cannot use as ClickHouse sorting keys: \\\"maybe\\\" is "
                             "nullable"),
            std::string::npos)
      << refused.raw;
  json shape = CreateBody(dbs, PipeName("mapshape"), {"a"});
  shape["source"]["postgres"]["tableMappings"][0]["sortingKeys"] = "day";
  auto bad_shape = server.Call("POST", "/v1/clickpipes", shape.dump());
  EXPECT_EQ(bad_shape.status, 400);
  EXPECT_NE(bad_shape.raw.find("source.postgres.tableMappings[0].sortingKeys"), std::string::npos)
      << bad_shape.raw;

  json good = CreateBody(dbs, PipeName("mapgood"), {"a"});
  good["source"]["postgres"]["tableMappings"][0]["excludedColumns"] = {"secret"};
  good["source"]["postgres"]["tableMappings"][0]["sortingKeys"] = {"day"};
  auto created = server.Call("POST", "/v1/clickpipes", good.dump());
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["id"];
  ASSERT_TRUE(server.WaitForState(id, "Running", 60)) << server.Log();
  auto got = server.Call("GET", "/v1/clickpipes/" + id);
  const json& mapping = got.body["source"]["postgres"]["tableMappings"][0];
  EXPECT_EQ(mapping["excludedColumns"], json({"secret"})) << got.raw;
  EXPECT_EQ(mapping["sortingKeys"], json({"day"})) << got.raw;
  EXPECT_EQ(SortingKey(dbs, "a"), "day, id\n");
  EXPECT_EQ(ColumnNames(dbs, "a"), "day\nid\nmaybe\nnote\n");

  // Added tables are validated the same way.
  json add = {{"source",
               {{"postgres",
                 {{"tableMappingsToAdd",
                   {{{"sourceSchemaName", "public"},
                     {"sourceTable", "c"},
                     {"excludedColumns", {"id"}}}}}}}}}};
  auto added = server.Call("PATCH", "/v1/clickpipes/" + id, add.dump());
  EXPECT_EQ(added.status, 400) << added.raw;
  EXPECT_NE(added.raw.find("public.c: cannot exclude columns"), std::string::npos) << added.raw;
  EXPECT_EQ(server.Call("DELETE", "/v1/clickpipes/" + id).status, 200);
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace

PG2CH_INSTANTIATE_ENGINE_TESTS(TableMapping);

}  // namespace pg2ch::test
