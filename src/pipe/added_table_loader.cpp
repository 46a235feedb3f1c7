#include "pipe/added_table_loader.h"

#include <spdlog/spdlog.h>

namespace pg2ch {

AddedTableLoader::AddedTableLoader(const PipeContext& ctx, std::vector<DestinationTable> tables) {
  for (const auto& t : tables) relids_.insert(t.source.relid);
  thread_ = std::thread(&AddedTableLoader::Run, this, ctx.config, &ctx.catalog, ctx.pipe_id,
                        std::move(tables), ctx.metrics);
}

AddedTableLoader::~AddedTableLoader() {
  halt_ = true;
  if (thread_.joinable()) thread_.join();
}

void AddedTableLoader::Run(PipeConfig config, const Catalog* pipe_catalog, int64_t pipe_id,
                           std::vector<DestinationTable> tables, PipeMetrics* metrics) {
  try {
    auto catalog = pipe_catalog->Connect();  // a catalog connection belongs to one thread
    PipeContext load{std::move(config), *catalog, pipe_id, halt_, std::move(tables), metrics};
    complete_ = CopyPendingUnderTemporarySlot(load);
    if (complete_) spdlog::info("pipe {}: added tables loaded", load.config.name);
  } catch (...) {
    failure_ = std::current_exception();
  }
  done_ = true;
}

void AddedTableLoader::RethrowIfFailed() const {
  if (done_.load() && failure_) std::rethrow_exception(failure_);
}

}  // namespace pg2ch
