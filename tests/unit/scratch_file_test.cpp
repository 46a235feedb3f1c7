// Records read back exactly as appended, whatever their size and however the writing was paused.
#include "core/scratch_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/error.h"

namespace pg2ch {
namespace {

std::filesystem::path TestDir() {
  return std::filesystem::temp_directory_path() /
         ("pg2ch-scratch-test-" + std::to_string(getpid()));
}

class ScratchFileTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(TestDir()); }
};

TEST_F(ScratchFileTest, RecordsOfAnySizeComeBackInOrderAcrossReleasedBuffers) {
  std::vector<std::string> written = {
      "a",   std::string(3 << 20, 'x'), "", std::string("\0\n", 2), std::string((1 << 20) - 3, 'y'),
      "tail"};
  written[1][12345] = 'z';
  auto file = ScratchFile::Create(TestDir(), "stream");
  EXPECT_EQ(file->path().filename().string().rfind("stream-", 0), 0u);
  for (size_t i = 0; i < written.size(); ++i) {
    file->Append(written[i]);
    if (i % 2 == 1) file->ReleaseBuffer();  // as between stream blocks
  }
  EXPECT_EQ(file->records(), written.size());
  file->FinishWriting();
  std::string record;
  for (const std::string& expected : written) {
    ASSERT_TRUE(file->ReadRecord(record));
    EXPECT_EQ(record, expected);
  }
  EXPECT_FALSE(file->ReadRecord(record));
  EXPECT_EQ(file->read(), written.size());
}

TEST_F(ScratchFileTest, TruncatedFileIsAClearError) {
  auto file = ScratchFile::Create(TestDir(), "stream");
  file->Append(std::string(2 << 20, 'x'));
  file->FinishWriting();
  std::filesystem::resize_file(file->path(), 1000);
  std::string record;
  try {
    file->ReadRecord(record);
    FAIL() << "read a truncated record";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find(file->path().string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pg2ch
