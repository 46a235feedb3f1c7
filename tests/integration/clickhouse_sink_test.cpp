// ClickHouseSink against each ClickHouse engine the harness starts (18.16 and 26): a table with a
// column of every supported type, snapshot, CDC with updates, deletes, key changes, unchanged
// TOAST values (within one call and read back from ClickHouse), truncates, replays; and the
// failures that must stop a pipe before anything wrong is written.
#include "destination/clickhouse/clickhouse_sink.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "destination/clickhouse/snapshot_writer.h"
#include "destination/clickhouse/table_codec.h"
#include "harness/engine_test.h"
#include "harness/harness.h"

namespace pg2ch {
namespace {

constexpr uint32_t kRelid = 5001;
constexpr uint32_t kNumericTypmod10_2 = ((10 << 16) | 2) + 4;
constexpr uint32_t kNumericTypmod50_5 = ((50 << 16) | 5) + 4;

SourceColumn Col(std::string name, uint32_t oid, bool nullable = true, int32_t typmod = -1,
                 uint32_t element = 0, std::string type_name = "") {
  SourceColumn c;
  c.name = std::move(name);
  c.type_oid = oid;
  c.typmod = typmod;
  c.type_name = type_name.empty() ? "oid" + std::to_string(oid) : type_name;
  c.nullable = nullable;
  c.element_oid = element;
  return c;
}

// Column order of every row below.
std::vector<SourceColumn> AllTypeColumns() {
  SourceColumn id = Col("id", 23, false);
  id.is_key = true;
  return {id,
          Col("i2", 21),
          Col("i8", 20, false),
          Col("b", 16),
          Col("f4", 700),
          Col("f8", 701),
          Col("n", 1700, true, kNumericTypmod10_2),
          Col("n_any", 1700),
          Col("n_wide", 1700, true, kNumericTypmod50_5),
          Col("t", 25),
          Col("vc", 1043, false, 24),
          Col("c", 1042, true, 9),
          Col("j", 114),
          Col("jb", 3802),
          Col("by", 17),
          Col("u", 2950),
          Col("d", 1082),
          Col("tm", 1083),
          Col("ts", 1114),
          Col("tz", 1184),
          Col("a_i4", 1007, true, -1, 23),
          Col("a_i8", 1016, true, -1, 20),
          Col("a_t", 1009, true, -1, 25),
          Col("a_b", 1000, true, -1, 16),
          Col("a_f8", 1022, true, -1, 701),
          Col("big", 25)};
}

// The SELECT list that prints each column in a comparable form (bytea as hex).
const char* kSelectList =
    "id, i2, i8, b, f4, f8, n, n_any, n_wide, t, vc, c, j, jb, hex(`by`), u, d, tm, ts, tz, "
    "a_i4, a_i8, a_t, a_b, a_f8, length(big), substring(big, 1, 8)";

std::string Big(int id, char fill) { return std::to_string(id) + std::string(3000, fill); }

// A row full of values that need care; `variant` changes a few of them.
Row FullRow(int id, int variant = 0) {
  auto t = [](std::string s) { return Cell::Text(std::move(s)); };
  return {t(std::to_string(id)),
          t("-32768"),
          t("9223372036854775807"),
          t(variant ? "f" : "t"),
          t(variant ? "NaN" : "1.5"),
          t(variant ? "-Infinity" : "0.1"),
          t("12.30"),
          t("123456789012345678901234567890.123456789"),
          t("-123456789012345678901234567890123456789012345.12345"),
          t(variant ? "v" + std::to_string(variant) : "tab\there 'q' \\ back\nline"),
          t("h\xc3\xa9llo"),
          t("ab   "),
          t("{\"a\": 1}"),
          t("{\"a\": [1, 2]}"),
          t("\\x00ff41"),
          t("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
          t(variant ? "0044-03-15 BC" : "2024-03-01"),
          t("12:34:56.789"),
          t("2024-03-01 12:34:56.123456"),
          t("2024-03-01 12:34:56.123456+00"),
          t("{1,2,NULL}"),
          t("{-9223372036854775808}"),
          t(R"({"a b","c\"d",NULL,"NULL"})"),
          t("{t,f}"),
          t("{1.5,NaN,-Infinity}"),
          t(Big(id, 'x'))};
}

Row NullRow(int id) {
  Row row(AllTypeColumns().size(), Cell::Null());
  row[0] = Cell::Text(std::to_string(id));
  row[2] = Cell::Text("0");
  row[10] = Cell::Text("");
  return row;
}

Row KeyOnly(int id) {
  Row row(AllTypeColumns().size(), Cell::Null());
  row[0] = Cell::Text(std::to_string(id));
  return row;
}

// An update that left `big` (TOASTed) unchanged.
Row WithoutBig(Row row) {
  row.back() = Cell::Unchanged();
  return row;
}

// The values of FullRow that each engine stores, and so prints, differently.
struct Printed {
  const char* yes;      // b = 't': UInt8 on 18.16, Bool on modern servers
  const char* no;       // b = 'f'
  const char* n;        // numeric(10,2) 12.30: modern servers drop trailing zeros in TabSeparated
  const char* bc_date;  // '0044-03-15 BC': exact text on 18.16, clamped to Date32's 1900-01-01
  const char* utc;      // timestamptz: PostgreSQL's text with +00 on 18.16, DateTime64(6, 'UTC')
  const char* bools;    // '{t,f}' as Array(Nullable(UInt8)) or Array(Nullable(Bool))
};
const Printed& PrintedBy(test::ChEngine engine) {
  static const Printed ch18 = {"1", "0", "12.30", "0044-03-15 BC", "+00", "[1,0]"};
  static const Printed modern = {"true", "false", "12.3", "1900-01-01", "", "[true,false]"};
  return test::IsModern(engine) ? modern : ch18;
}

// Expected TabSeparated line of FullRow(id, variant) as `engine` prints kSelectList
// (TabSeparated escapes tab, newline, backslash and the single quote).
std::string FullLine(test::ChEngine engine, int id, int variant = 0, char big_fill = 'x') {
  const Printed& p = PrintedBy(engine);
  std::string t = variant ? "v" + std::to_string(variant) : "tab\\there \\'q\\' \\\\ back\\nline";
  std::string big = std::to_string(id) + std::string(3000, big_fill);
  return std::to_string(id) + "\t-32768\t9223372036854775807\t" + (variant ? p.no : p.yes) + "\t" +
         (variant ? "nan\t-inf" : "1.5\t0.1") + "\t" + p.n +
         "\t123456789012345678901234567890.123456789\t"
         "-123456789012345678901234567890123456789012345.12345\t" +
         t +
         "\th\xc3\xa9llo\tab   \t{\"a\": 1}\t{\"a\": [1, 2]}\t00FF41\t"
         "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\t" +
         (variant ? p.bc_date : "2024-03-01") +
         "\t12:34:56.789\t2024-03-01 12:34:56.123456\t2024-03-01 12:34:56.123456" + p.utc +
         "\t[1,2,NULL]\t[-9223372036854775808]\t['a b','c\"d',NULL,'NULL']\t" + p.bools +
         "\t[1.5,nan,-inf]\t" + std::to_string(big.size()) + "\t" + big.substr(0, 8) + "\n";
}

std::string NullLine(int id) {
  return std::to_string(id) +
         "\t\\N\t0\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\"
         "N"
         "\t[]\t[]\t[]\t[]\t[]\t\\N\t\\N\n";
}

Transaction Txn(Lsn end, std::vector<RowChange> changes) {
  return {end - 1, end, std::move(changes)};
}
RowChange Insert(Row row) { return {ChangeOp::kInsert, kRelid, std::move(row), {}}; }
RowChange Update(Row row, Row old = {}) {
  return {ChangeOp::kUpdate, kRelid, std::move(row), std::move(old)};
}
RowChange Delete(int id) { return {ChangeOp::kDelete, kRelid, KeyOnly(id), {}}; }
RowChange Truncate() { return {ChangeOp::kTruncate, kRelid, {}, {}}; }
// Takes a copy: ApplyTransactions consumes the rows, and these tests replay batches.
void Apply(ClickHouseSink& sink, std::vector<Transaction> txns) { sink.ApplyTransactions(txns); }

class ClickHouseSinkTest : public test::EngineTest {
 protected:
  void SetUp() override {
    dbs_ = NewDatabases("ch_sink");
    client_ = std::make_unique<ClickHouseClient>(dbs_.ch);
  }

  DestinationTable Table(std::vector<SourceColumn> columns = AllTypeColumns()) {
    return {{"public", "all_types", kRelid, std::move(columns)}, dbs_.ch.database, "all_types"};
  }

  std::unique_ptr<ClickHouseSink> NewSink() {
    auto sink = std::make_unique<ClickHouseSink>(*client_, std::vector<DestinationTable>{Table()});
    sink->EnsureTables();
    return sink;
  }

  std::string Ch(const std::string& sql) { return test::ChQuery(dbs_.ch, sql); }

  // The live rows, as a reader of the destination sees them.
  std::string Live() {
    return Ch(std::string("SELECT ") + kSelectList + " FROM " + dbs_.ch.database +
              ".all_types FINAL WHERE _peerdb_is_deleted = 0 ORDER BY id FORMAT TabSeparated");
  }
  std::string Versions() {
    return Ch("SELECT id, _peerdb_is_deleted, _peerdb_version FROM " + dbs_.ch.database +
              ".all_types FINAL ORDER BY id FORMAT TabSeparated");
  }

  std::string Full(int id, int variant = 0, char big_fill = 'x') const {
    return FullLine(engine(), id, variant, big_fill);
  }

  test::TestDatabases dbs_;
  std::unique_ptr<ClickHouseClient> client_;
};

TEST_P(ClickHouseSinkTest, CreatesTheDestinationTable) {
  NewSink();
  EXPECT_EQ(Ch("SELECT engine_full LIKE 'ReplacingMergeTree(_peerdb_version)%' FROM system.tables "
               "WHERE database = '" +
               dbs_.ch.database + "' AND name = 'all_types'"),
            "1\n");
  EXPECT_EQ(Ch("SELECT name, type FROM system.columns WHERE database = '" + dbs_.ch.database +
               "' AND table = 'all_types' AND name IN ('i8', 'b', 'n', 'n_wide', 'd', 'tz', "
               "'a_t', '_peerdb_synced_at') FORMAT TabSeparated"),
            modern() ? "i8\tInt64\nb\tNullable(Bool)\nn\tNullable(Decimal(10, 2))\n"
                       "n_wide\tNullable(Decimal(50, 5))\nd\tNullable(Date32)\n"
                       "tz\tNullable(DateTime64(6, \\'UTC\\'))\na_t\tArray(Nullable(String))\n"
                       "_peerdb_synced_at\tDateTime64(9)\n"
                     : "i8\tInt64\nb\tNullable(UInt8)\nn\tNullable(Decimal(10, 2))\n"
                       "n_wide\tNullable(String)\nd\tNullable(String)\ntz\tNullable(String)\n"
                       "a_t\tArray(Nullable(String))\n_peerdb_synced_at\tDateTime\n");
  NewSink();  // a second EnsureTables accepts the table it created
}

TEST_P(ClickHouseSinkTest, SnapshotThenCdc) {
  auto sink = NewSink();
  auto writer = sink->NewSnapshotWriter(kRelid, 100);
  writer->Append(FullRow(1));
  writer->Append(FullRow(2));
  writer->Append(FullRow(3));
  writer->Append(NullRow(4));
  writer->Finish();
  EXPECT_EQ(writer->rows(), 4u);
  EXPECT_EQ(Live(), Full(1) + Full(2) + Full(3) + NullLine(4));

  // One call: insert, update, delete, a key change, and an unchanged TOAST value filled from the
  // insert earlier in the same call.
  std::vector<Transaction> first = {
      Txn(200, {Insert(FullRow(5)), Update(FullRow(1, 1)), Delete(2)}),
      Txn(300, {Update(FullRow(30, 2), KeyOnly(3)), Update(WithoutBig(FullRow(5, 3)))}),
  };
  Apply(*sink, first);
  const std::string after_first = Full(1, 1) + NullLine(4) + Full(5, 3) + Full(30, 2);
  EXPECT_EQ(Live(), after_first);
  EXPECT_EQ(Versions(), "1\t0\t200\n2\t1\t200\n3\t1\t300\n4\t0\t100\n5\t0\t300\n30\t0\t300\n");

  // Another call: unchanged TOAST values that only ClickHouse still has, one with a key change.
  Row one = WithoutBig(FullRow(1, 4));
  Row moved = FullRow(31, 5);
  moved.back() = Cell::Unchanged();
  std::vector<Transaction> second = {
      Txn(400, {Update(one), Update(moved, KeyOnly(30))}),
  };
  Apply(*sink, second);
  // Row 1 keeps its snapshot value of `big`; row 31 carries row 30's.
  std::string big30 = Full(31, 5, 'x');
  big30.replace(big30.rfind('\t') + 1, 2, "30");
  const std::string after_second = Full(1, 4) + NullLine(4) + Full(5, 3) + big30;
  EXPECT_EQ(Live(), after_second);

  // Replays (the runner re-applies from its checkpoint after a crash) change nothing.
  Apply(*sink, second);
  EXPECT_EQ(Live(), after_second);
  std::vector<Transaction> all = first;
  all.insert(all.end(), second.begin(), second.end());
  Apply(*sink, all);
  EXPECT_EQ(Live(), after_second);
  Apply(*sink, first);  // an older batch again: superseded by higher versions
  EXPECT_EQ(Live(), after_second);

  // TRUNCATE at its place in the stream.
  Apply(*sink, std::vector<Transaction>{
                   Txn(500, {Insert(FullRow(50)), Truncate(), Insert(FullRow(60))}),
               });
  EXPECT_EQ(Live(), Full(60));
}

TEST_P(ClickHouseSinkTest, UnchangedToastWithoutAStoredRowFails) {
  auto sink = NewSink();
  Apply(*sink, std::vector<Transaction>{Txn(10, {Insert(FullRow(1))})});
  try {
    Apply(*sink, std::vector<Transaction>{
                     Txn(20, {Insert(FullRow(2)), Update(WithoutBig(FullRow(7)))}),
                 });
    FAIL() << "a guessed value was written";
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("id = 7"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Live(), Full(1));  // nothing of the failed batch was written
}

TEST_P(ClickHouseSinkTest, SnapshotFlushesInPieces) {
  auto sink = NewSink();
  ServerCaps caps = client_->Caps();
  TableCodec codec(Table(), caps);
  auto writer = MakeSnapshotWriter(*client_, codec, 7, 20000);  // a few rows per insert
  for (int id = 1; id <= 200; ++id) writer->Append(id % 2 ? FullRow(id) : NullRow(id));
  writer->Finish();
  EXPECT_EQ(Ch("SELECT count(), uniqExact(id), min(_peerdb_version), max(_peerdb_version) FROM " +
               dbs_.ch.database + ".all_types FORMAT TabSeparated"),
            "200\t200\t7\t7\n");
  EXPECT_GT(std::stoi(Ch("SELECT count() FROM system.parts WHERE database = '" + dbs_.ch.database +
                         "' AND table = 'all_types'")),
            1);
}

TEST_P(ClickHouseSinkTest, RefusesValuesItCannotStoreExactly) {
  auto sink = NewSink();
  Row nan = FullRow(1);
  nan[6] = Cell::Text("NaN");  // numeric(10,2) -> Decimal(10, 2)
  try {
    Apply(*sink, std::vector<Transaction>{Txn(10, {Insert(nan)})});
    FAIL();
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("column n: numeric value 'NaN'"), std::string::npos)
        << e.what();
  }
  Row nested = FullRow(1);
  nested[20] = Cell::Text("{{1,2},{3,4}}");
  EXPECT_THROW(Apply(*sink, std::vector<Transaction>{Txn(10, {Insert(nested)})}), PipeError);
  EXPECT_EQ(Live(), "");
}

TEST_P(ClickHouseSinkTest, RejectsAnIncompatibleExistingTable) {
  Ch("CREATE TABLE " + dbs_.ch.database +
     ".all_types (id Int64, _peerdb_is_deleted UInt8, _peerdb_version UInt64) ENGINE = "
     "ReplacingMergeTree(_peerdb_version) ORDER BY id");
  ClickHouseSink sink(*client_, {Table()});
  try {
    sink.EnsureTables();
    FAIL();
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("column id is Int64, expected Int32"), std::string::npos)
        << e.what();
  }
}

TEST_P(ClickHouseSinkTest, ClassifiesConnectionAndServerErrors) {
  ClickHouseEndpoint nowhere = dbs_.ch;
  nowhere.url = "http://127.0.0.1:1";
  nowhere.password = "not-in-messages";
  ClickHouseClient unreachable(nowhere);
  try {
    unreachable.Caps();
    FAIL();
  } catch (const PipeError& e) {
    EXPECT_TRUE(e.retryable());
    std::string what = e.what();
    EXPECT_EQ(what.rfind("ClickHouse at http://127.0.0.1:1: connection refused", 0), 0u) << what;
    EXPECT_EQ(what.find("not-in-messages"), std::string::npos);
  }

  ClickHouseEndpoint stranger = dbs_.ch;
  stranger.user = "no_such_user";
  stranger.password = "secret-value";
  ClickHouseClient denied(stranger);
  try {
    denied.Query("SELECT 1");
    FAIL();
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_EQ(std::string(e.what()).find("secret-value"), std::string::npos);
  }

  try {
    client_->Query("SELECT * FROM " + dbs_.ch.database + ".no_such_table");
    FAIL();
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos);
  }
  EXPECT_EQ(client_->Caps().major, modern() ? 26 : 18);
}

PG2CH_INSTANTIATE_ENGINE_TESTS(ClickHouseSinkTest);

}  // namespace
}  // namespace pg2ch
