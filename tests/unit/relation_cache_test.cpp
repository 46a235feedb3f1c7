#include "source/postgres/relation_cache.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/error.h"
#include "source/postgres/pgoutput_decoder.h"

namespace pg2ch {
namespace {

PgOutputMessage DecodeFixture(const std::string& name, bool in_stream = false) {
  std::string path = std::string(PG2CH_FIXTURES_DIR) + "/pgoutput/" + name + ".bin";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return DecodePgOutput(bytes, in_stream);
}

pgoutput::Relation TwoColumns(uint32_t relid, const std::string& name) {
  pgoutput::Relation relation;
  relation.relid = relid;
  relation.namespace_name = "public";
  relation.relation_name = name;
  relation.columns.resize(2);
  relation.columns[0].name = "a";
  relation.columns[1].name = "b";
  return relation;
}

TEST(RelationCacheTest, FindsWhatWasPut) {
  RelationCache cache;
  EXPECT_EQ(cache.Find(1), nullptr);
  cache.Put(TwoColumns(1, "t"));
  const pgoutput::Relation* found = cache.Find(1);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->relation_name, "t");
  EXPECT_EQ(cache.Find(2), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(RelationCacheTest, PutReplacesInPlace) {
  RelationCache cache;
  cache.Put(TwoColumns(1, "old"));
  const pgoutput::Relation* before = cache.Find(1);
  auto renamed = TwoColumns(1, "new");
  renamed.columns.pop_back();
  cache.Put(renamed);
  cache.Put(renamed);  // idempotent
  EXPECT_EQ(cache.Find(1), before);
  EXPECT_EQ(before->relation_name, "new");
  EXPECT_EQ(before->columns.size(), 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(RelationCacheTest, CheckTupleRejectsUnknownRelationAndWrongWidth) {
  RelationCache cache;
  Row two = {Cell::Text("1"), Cell::Null()};
  EXPECT_THROW(cache.CheckTuple(1, two), DecodeError);
  cache.Put(TwoColumns(1, "t"));
  cache.CheckTuple(1, two);
  EXPECT_THROW(cache.CheckTuple(1, Row{Cell::Text("1")}), DecodeError);
  EXPECT_THROW(cache.CheckTuple(1, Row{}), DecodeError);
  try {
    cache.CheckTuple(1, Row(3));
    FAIL() << "expected DecodeError";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("public.t (relation id 1) has 3 columns"),
              std::string::npos)
        << e.what();
  }
}

// The captured stream, replayed through the cache as the source will: every tuple fits.
TEST(RelationCacheTest, CapturedTuplesFitTheirCapturedRelations) {
  RelationCache cache;
  for (const char* name : {"v1_relation_items", "v1_relation_full_ri"}) {
    cache.Put(std::get<pgoutput::Relation>(DecodeFixture(name)));
  }
  cache.Put(std::get<pgoutput::Relation>(DecodeFixture("v2_stream_relation_other", true)));
  EXPECT_EQ(cache.size(), 3u);

  auto insert = std::get<pgoutput::Insert>(DecodeFixture("v1_insert_items"));
  cache.CheckTuple(insert.relid, insert.new_tuple);
  for (const char* name :
       {"v1_update_unchanged_toast", "v1_update_key_change", "v1_update_full_ri"}) {
    auto update = std::get<pgoutput::Update>(DecodeFixture(name));
    if (update.old_kind != 0) cache.CheckTuple(update.relid, update.old_tuple);
    cache.CheckTuple(update.relid, update.new_tuple);
  }
  for (const char* name : {"v1_delete_key", "v1_delete_full_ri"}) {
    auto del = std::get<pgoutput::Delete>(DecodeFixture(name));
    cache.CheckTuple(del.relid, del.old_tuple);
  }
  auto streamed = std::get<pgoutput::Insert>(DecodeFixture("v2_stream_insert_other", true));
  cache.CheckTuple(streamed.relid, streamed.new_tuple);
  // A tuple of one table checked against another's relation does not fit.
  EXPECT_THROW(cache.CheckTuple(streamed.relid, insert.new_tuple), DecodeError);
}

}  // namespace
}  // namespace pg2ch
